import dataclasses
import math

import pytest

from sensorynet._params import (
    InputParams,
    ModelParams,
    NetworkParams,
    PlasticityParams,
    ProtocolParams,
)


def test_defaults_match_model_md():
    p = ModelParams()
    n = p.network
    assert (n.N, n.N_E, n.N_I) == (500, 400, 100)
    assert (n.eps_EE, n.eps_EI, n.eps_IE, n.eps_II) == (0.3, 0.3, 1.0, 1.0)
    assert (n.J, n.g, n.tau_m, n.theta, n.dt) == (0.5, 8.0, 20.0, 20.0, 1.0)
    assert (p.input.b, p.input.m_E, p.input.m_I) == (2000.0, 0.2, 0.02)
    pl = p.plasticity
    assert (pl.A_LTD, pl.A_LTP, pl.theta_minus, pl.theta_plus, pl.u_ref2) == \
        (14e-5, 8e-5, -20.0, 7.5, 70.0)
    assert (pl.tau_minus, pl.tau_plus, pl.tau_x, pl.w_max, pl.w_min_inh) == \
        (10.0, 7.0, 15.0, 2.0, -5.0)
    assert p.protocol.n_blocks == 40 and p.protocol.stim_ms == 100
    assert math.isclose(p.protocol.test_theta, math.pi / 2)


def test_frozen_and_replace():
    p = ModelParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.network.N = 10
    q = p.replace(**{"network.g": 6.0, "A_LTP": 1e-4})
    assert q.network.g == 6.0 and q.plasticity.A_LTP == 1e-4
    assert p.network.g == 8.0
    assert q.get("plasticity.A_LTP") == 1e-4
    assert ModelParams.from_dict(q.to_dict()) == q


@pytest.mark.parametrize("kw,match", [
    ({"N": 1}, "N"),
    ({"N": 10.5}, "N"),
    ({"eps_EE": 1.2}, "eps_EE"),
    ({"eps_II": -0.1}, "eps_II"),
    ({"J": -0.5}, "J"),
    ({"tau_m": 0.0}, "tau_m"),
    ({"g": float("nan")}, "g"),
    ({"dt": float("inf")}, "dt"),
    ({"f_exc": 0.01, "N": 10}, "f_exc"),
])
def test_network_validation(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        NetworkParams(**kw)


def test_other_groups_validate():
    with pytest.raises(ValueError, match="b"):
        InputParams(b=-1.0)
    with pytest.raises(ValueError, match="m_E"):
        InputParams(m_E=1.5)
    with pytest.raises(ValueError, match="w_min_inh"):
        PlasticityParams(w_min_inh=1.0)
    with pytest.raises(TypeError, match="plastic_EE"):
        PlasticityParams(plastic_EE=1)
    with pytest.raises(ValueError, match="n_stimuli"):
        ProtocolParams(block_ms=2000, n_stimuli=3)
    with pytest.raises(TypeError, match="network"):
        ModelParams(network=InputParams())
    with pytest.raises(ValueError, match="unknown parameter"):
        ModelParams().replace(**{"network.gg": 1.0})
    with pytest.raises(ValueError, match="unknown parameter"):
        ModelParams().replace(nonsense=1.0)


def test_scaled_keeps_in_degree():
    n = NetworkParams().scaled(10_000)
    assert n.N == 10_000
    assert math.isclose(n.eps_EE * n.N_E, 0.3 * 400)
    assert math.isclose(n.eps_IE * n.N_I, 1.0 * 100)
    with pytest.raises(ValueError, match="exceed 1"):
        NetworkParams().scaled(100)
