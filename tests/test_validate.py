"""Argument validation of the parameters and of simulate() (issue 10).

Everything ModelParams accepts must simulate without NaN/inf; everything else is
refused with a ValueError/TypeError naming the field, the value and the valid range,
before any compiled code runs.
"""
import math
import re

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._params import ModelParams, NetworkParams, PlasticityParams, ProtocolParams
from sensorynet._validate import MAX_ABS_MV, MAX_DT_OVER_TAU, MAX_TAU
from sensorynet._weights import SparseWeights


# ------------------------------------------------------------------------ parameters
@pytest.mark.parametrize("key,value", [
    ("network.N", np.int64(50)),
    ("network.N", np.int32(50)),
    ("network.N", 50.0),
    ("network.J", np.float32(0.25)),
    ("network.g", np.int64(6)),
    ("plasticity.vbar_window", np.uint16(20)),
    ("plasticity.A_LTP", np.float64(1e-4)),
    ("plasticity.plastic_EE", np.bool_(False)),
    ("protocol.n_blocks", np.int8(3)),
])
def test_numpy_scalars_are_numbers(key, value):
    p = ModelParams().replace(**{key: value})
    got = p.get(key)
    assert got == pytest.approx(value)
    assert type(got) in (int, float, bool)        # stored as plain Python values
    assert ModelParams.from_dict(p.to_dict()) == p


ALL_NUMERIC = [n for n in ModelParams.parameter_names()
               if not isinstance(ModelParams().get(n), bool)]


@pytest.mark.parametrize("key", ALL_NUMERIC)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_nan_and_inf_refused_everywhere(key, bad):
    with pytest.raises((ValueError, TypeError)) as info:
        ModelParams().replace(**{key: bad})
    assert key in str(info.value)                  # the dotted name


@pytest.mark.parametrize("key,value,exc", [
    ("network.N", 10 ** 400, ValueError),
    ("network.N", 10.5, TypeError),
    ("network.N", 1e300, ValueError),
    ("plasticity.vbar_window", 2.5, TypeError),
    ("plasticity.vbar_window", 10 ** 400, ValueError),
    ("protocol.block_ms", 2 ** 40, ValueError),
    ("protocol.n_blocks", -1, ValueError),
    ("network.J", 10 ** 400, ValueError),
    ("network.N", "50", TypeError),
    ("network.N", True, TypeError),
    ("network.g", 1 + 0j, TypeError),
])
def test_integer_and_huge_values(key, value, exc):
    with pytest.raises(exc) as info:
        ModelParams().replace(**{key: value})
    msg = str(info.value)
    assert key in msg and re.search(r"[\[(][^,]+, [^\]]+\]", msg)   # name and valid range
    assert len(msg) < 400                                  # 10**400 is not printed


@pytest.mark.parametrize("key,value", [
    ("network.theta", 2 * MAX_ABS_MV),
    ("plasticity.theta_plus", -2 * MAX_ABS_MV),
    ("plasticity.theta_minus", 2 * MAX_ABS_MV),
    ("plasticity.w_max", 2 * MAX_ABS_MV),
    ("plasticity.w_min_inh", -2 * MAX_ABS_MV),
    ("plasticity.A_LTP", 1e9),
    ("plasticity.u_ref2", 1e-300),
    ("network.dt", 1e-9),
    ("network.tau_m", 2 * MAX_TAU),
])
def test_magnitudes_bounded(key, value):
    with pytest.raises(ValueError, match=key.replace(".", r"\.") + r".*must lie in [\[(]"):
        ModelParams().replace(**{key: value})


@pytest.mark.parametrize("name", ["network.tau_m", "plasticity.tau_minus",
                                  "plasticity.tau_plus", "plasticity.tau_x"])
def test_time_constants_at_least_dt_over_50(name):
    dt = 2.0
    p = ModelParams().replace(**{"network.dt": dt, name: dt / MAX_DT_OVER_TAU})   # accepted
    with pytest.raises(ValueError, match=name.replace(".", r"\.") + r".*network\.dt/50"):
        p.replace(**{name: 0.9 * dt / MAX_DT_OVER_TAU})
    with pytest.raises(ValueError, match="network.dt/50"):
        p.replace(**{"network.dt": 2.5 * dt})          # dt grows past the taus
    with pytest.raises(ValueError, match="g\\*J"):
        NetworkParams(J=1e3, g=1e4)


def test_groups_still_validate_alone():
    # a group does not know dt; the dt/50 bound is a ModelParams check
    assert PlasticityParams(tau_x=1e-3).tau_x == 1e-3
    with pytest.raises(ValueError, match="tau_x"):
        ModelParams(plasticity=PlasticityParams(tau_x=1e-3))
    with pytest.raises(ValueError, match="test_theta"):
        ProtocolParams(test_theta=math.inf)


def _extreme_params(N, **kw):
    """Parameters at the edges of the accepted domain."""
    base = dict(dt=1.0)
    base.update(kw.pop("network", {}))
    return ModelParams(network=NetworkParams(N=N, **base), plasticity=PlasticityParams(**kw))


@pytest.mark.parametrize("kw", [
    {"tau_x": 0.5},                                       # was ZeroDivisionError in numba
    {"tau_x": 1 / 50, "tau_minus": 1 / 50, "tau_plus": 1 / 50},
    {"tau_x": MAX_TAU, "tau_minus": MAX_TAU, "tau_plus": MAX_TAU, "u_ref2": 1e-6},
    {"theta_minus": -MAX_ABS_MV, "theta_plus": -MAX_ABS_MV, "A_LTD": 1e3, "A_LTP": 1e3,
     "u_ref2": 1e-6, "w_max": MAX_ABS_MV, "w_min_inh": -MAX_ABS_MV, "vbar_window": 1},
    {"theta_minus": MAX_ABS_MV, "theta_plus": MAX_ABS_MV},
    {"network": {"theta": MAX_ABS_MV, "tau_m": MAX_TAU, "dt": 1e3, "J": 1e3, "g": 1e3},
     "tau_x": 20.0, "tau_minus": 20.0, "tau_plus": 20.0, "u_ref2": 1e-6,
     "theta_minus": -MAX_ABS_MV, "theta_plus": -MAX_ABS_MV, "w_max": MAX_ABS_MV,
     "w_min_inh": -MAX_ABS_MV},
    {"network": {"dt": 1e-3, "tau_m": 1e-3 / 50, "theta": 1e-6}, "tau_x": 1e-3 / 50,
     "tau_minus": 1e-3 / 50, "tau_plus": 1e-3 / 50, "u_ref2": 1e-6,
     "A_LTD": 1e3, "A_LTP": 1e3, "theta_minus": -MAX_ABS_MV},
])
def test_accepted_extremes_simulate_finite(kw):
    N = 30
    p = _extreme_params(N, **kw)
    rng = np.random.default_rng(0)
    NE = p.network.N_E
    W = np.zeros((N, N))
    W[:NE] = rng.uniform(0, min(p.network.J, p.plasticity.w_max), (NE, N))
    W[NE:] = -rng.uniform(0, min(p.network.g * p.network.J, -p.plasticity.w_min_inh or 1),
                          (N - NE, N))
    W[NE:, :NE] *= rng.random((N - NE, NE)) < 0.5         # some zeros (mask_IE)
    x = rng.poisson(50, (N, 200)) * (rng.random((N, 200)) < 0.5)
    x[:, :5] = 2 ** 40                                    # huge counts too
    v0 = rng.uniform(-MAX_ABS_MV, MAX_ABS_MV, N)
    for sparse in (False, True):
        Wi = SparseWeights.from_dense(W, keep_inh_to_exc=NE) if sparse else W
        for plastic in (True, False):
            r = sn.simulate(Wi, x, plastic=plastic, params=p, v_init=v0)
            Wo = r.W.to_dense() if sparse else r.W
            assert np.all(np.isfinite(Wo)) and np.all(np.isfinite(r.v_last))


# ------------------------------------------------------------------------ simulate()
class TestSimulateInputs:
    def setup_method(self):
        self.net = sn.build_network(sn.NetworkParams(N=20), 0)
        self.x = np.ones((20, 5), np.uint8)

    def run(self, W=None, x=None, **kw):
        kw.setdefault("plastic", True)
        return sn.simulate(self.net.W if W is None else W, self.x if x is None else x, **kw)

    def test_masked_arrays_refused(self):
        with pytest.raises(TypeError, match="masked"):
            self.run(x=np.ma.masked_array(self.x, mask=self.x > 0))
        with pytest.raises(TypeError, match="masked"):
            self.run(W=np.ma.masked_array(self.net.W))
        with pytest.raises(TypeError, match="masked"):
            self.run(v_init=np.ma.masked_array(np.zeros(20)))
        with pytest.raises(TypeError, match="masked"):
            self.run(record=np.ma.masked_array([1, 2]))

    @pytest.mark.parametrize("x,exc,match", [
        (np.full((20, 5), 2 ** 63, np.uint64), ValueError, "2\\*\\*63"),
        (np.full((20, 5), 2.0 ** 63), ValueError, "2\\*\\*63"),
        (np.full((20, 5), 1e300), ValueError, "2\\*\\*63"),
        (np.full((20, 5), 0.5), TypeError, "integer counts"),
        (np.full((20, 5), np.inf), ValueError, "finite"),
        (np.full((20, 5), np.nan), ValueError, "finite"),
        (np.ones((20, 5), complex), TypeError, "integer counts"),
        (np.ones((20, 5), object), TypeError, "integer counts"),
        (np.ones((20, 5), bool), TypeError, "integer counts"),
        ([[1, 2]] * 19 + [[1]], ValueError, "rectangular"),
        (np.full((20, 5), -1, np.int64), ValueError, "non-negative"),
    ])
    def test_bad_counts(self, x, exc, match):
        with pytest.raises(exc, match=match):
            self.run(x=x)

    def test_large_counts_accepted(self):
        big = np.full((20, 5), 2 ** 63 - 1, np.uint64)
        r = self.run(x=big, plastic=False)
        assert np.all(np.isfinite(r.v_last))
        r = self.run(x=np.full((20, 5), 2.0 ** 62), plastic=False)
        assert r.spike_neurons.size == 100

    @pytest.mark.parametrize("value", [np.nan, np.inf, 2 * MAX_ABS_MV])
    def test_weights_finite_and_bounded(self, value):
        W = self.net.W.copy()
        W[0, 1] = value
        with pytest.raises(ValueError, match="non-finite|must lie in"):
            self.run(W=W, plastic=False)
        W = self.net.W.copy()
        W[19, 1] = -2 * MAX_ABS_MV
        with pytest.raises(ValueError, match="must lie in"):
            self.run(W=W, plastic=False)
        S = SparseWeights.from_dense(self.net.W)
        S.data[0] = value
        with pytest.raises(ValueError, match="non-finite|must lie in"):
            self.run(W=S, plastic=False)

    @pytest.mark.parametrize("tm", ["no", 0, 1, None, np.array([True])])
    def test_time_major_must_be_bool(self, tm):
        with pytest.raises(TypeError, match="time_major"):
            self.run(time_major=tm)
        self.run(x=self.x.T.copy(), time_major=np.bool_(True))

    @pytest.mark.parametrize("v0,exc", [
        (np.zeros(20, complex), TypeError),
        (np.full(20, 2 * MAX_ABS_MV), ValueError),
        (np.array(["a"] * 20), TypeError),
        ([[0.0]] * 19 + [[0.0, 1.0]], ValueError),
    ])
    def test_v_init(self, v0, exc):
        with pytest.raises(exc, match="v_init"):
            self.run(v_init=v0)

    def test_complex_weights_refused(self):
        with pytest.raises(TypeError, match="float64"):
            self.run(W=self.net.W.astype(complex))


class TestSparseWeights:
    def setup_method(self):
        S = SparseWeights.from_dense(sn.build_network(sn.NetworkParams(N=20), 0).W)
        self.parts = S.indptr, S.indices, S.data, S.N

    def test_decreasing_indptr(self):
        ip, ix, d, N = self.parts
        bad = ip.copy()
        bad[3], bad[4] = bad[4], bad[3]
        with pytest.raises(ValueError, match="non-decreasing"):
            SparseWeights(bad, ix, d, N)
        # unsigned indptr: a plain np.diff would wrap around and miss this
        with pytest.raises(ValueError, match="non-decreasing"):
            SparseWeights(bad.astype(np.uint64), ix, d, N)

    @pytest.mark.parametrize("value", [-1, 20, 2 ** 32])
    def test_out_of_range_indices(self, value):
        ip, ix, d, N = self.parts
        bad = ix.astype(np.int64)
        bad[0] = value
        with pytest.raises(ValueError, match="indices"):
            SparseWeights(ip, bad, d, N)

    def test_other_structure(self):
        ip, ix, d, N = self.parts
        with pytest.raises(ValueError, match="float64"):
            SparseWeights(ip, ix, d.astype(complex), N)
        with pytest.raises(TypeError, match="N"):
            SparseWeights(ip, ix, d, 20.5)
        with pytest.raises(TypeError, match="masked"):
            SparseWeights(np.ma.masked_array(ip), ix, d, N)
        with pytest.raises(ValueError, match="indptr"):
            SparseWeights(ip.astype(float), ix, d, N)
        assert SparseWeights(ip.astype(np.uint32), ix.astype(np.uint64), d, np.int64(N)).N == 20

    def test_mutated_structure_refused_by_simulate(self):
        ip, ix, d, N = self.parts
        S = SparseWeights(ip, ix, d, N)
        S.indices[0] = 10_000
        with pytest.raises(ValueError, match="structure"):
            sn.simulate(S, np.ones((20, 5), np.uint8), plastic=False)


# ------------------------------------------------------------- the one weight check
class TestCheckWeights:
    """``_validate.check_weights``: every caller (simulate, the analyses, the CSR
    boundary) refuses the same mistakes with the same words."""

    def setup_method(self):
        self.W = np.array([[0.0, 1.0, 0.5], [0.2, 0.0, 0.0], [-1.0, -2.0, 0.0]])

    def test_returns_float64_or_the_sparse_weights_itself(self):
        from sensorynet._validate import check_weights
        out = check_weights(self.W.astype(np.float32))
        assert out.dtype == np.float64 and np.array_equal(out, self.W.astype(np.float32))
        assert check_weights(self.W) is self.W                  # no copy
        S = SparseWeights.from_dense(self.W)
        assert check_weights(S, n_exc=2, max_abs=10.0, bounds=(2.0, -5.0)) is S

    @pytest.mark.parametrize("W,exc,match", [
        (np.zeros((3, 4)), ValueError, "X must be square"),
        (np.zeros(9), ValueError, "X must be 2-D"),
        (np.ones((2, 2), complex), TypeError, "X must be a real"),
        (np.ones((2, 2), bool), TypeError, "X must be a real"),
        ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
        (np.ma.masked_array(np.ones((2, 2))), TypeError, "masked"),
        (np.array([[np.nan, 0.0], [0.0, 0.0]]), ValueError, "X contains non-finite"),
        (np.array([[np.inf, 0.0], [0.0, 0.0]]), ValueError, "X contains non-finite"),
    ])
    def test_shape_dtype_finiteness(self, W, exc, match):
        from sensorynet._validate import check_weights
        with pytest.raises(exc, match=match):
            check_weights(W, "X")

    def test_strict_is_the_simulations_contract(self):
        from sensorynet._validate import check_weights
        with pytest.raises(TypeError, match="float64"):
            check_weights(self.W.astype(np.float32), strict=True)
        with pytest.raises(TypeError, match="numpy array or SparseWeights"):
            check_weights(self.W.tolist(), strict=True)
        assert check_weights(self.W.tolist()).shape == (3, 3)

    @pytest.mark.parametrize("sparse", [False, True])
    def test_sign_structure_and_bounds(self, sparse):
        from sensorynet._validate import check_weights

        def check(W, **kw):
            return check_weights(SparseWeights.from_dense(W) if sparse else W, **kw)
        check(self.W, n_exc=2, max_abs=2.0, bounds=(1.0, -2.0))
        with pytest.raises(ValueError, match="rows 1..N-1 are inhibitory.*found 0.2"):
            check(self.W, n_exc=1)
        with pytest.raises(ValueError, match="rows 0..2 are excitatory.*found -2"):
            check(self.W, n_exc=3)
        with pytest.raises(ValueError, match=r"must lie in \[-1.5, 1.5\] mV, found -2"):
            check(self.W, n_exc=2, max_abs=1.5)
        with pytest.raises(ValueError, match="w_max=0.9"):
            check(self.W, n_exc=2, bounds=(0.9, -2.0))
        with pytest.raises(ValueError, match="w_min_inh=-1.5"):
            check(self.W, n_exc=2, bounds=(1.0, -1.5))
        check(self.W, n_exc=2, bounds=(1.0, None))             # I→E not plastic
        with pytest.raises(ValueError, match="n_exc"):
            check(self.W, n_exc=4)

    def test_one_message_for_dense_and_sparse(self):
        from sensorynet._validate import check_weights
        W = self.W.copy()
        W[0, 1] = np.nan
        msgs = []
        for w in (W, SparseWeights.from_dense(W)):
            with pytest.raises(ValueError) as e:
                check_weights(w, "W0")
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1] == "W0 contains non-finite (NaN/inf) values"


def test_param_checks_live_in_validate():
    """The parameter checks and the argument checks are one module."""
    import importlib.util

    from sensorynet import _validate
    assert importlib.util.find_spec("sensorynet._param_checks") is None
    for name in ("check_number", "check_tau", "MAX_N", "check_params", "check_weights",
                 "check_csr"):
        assert hasattr(_validate, name), name
    with pytest.raises(TypeError, match="params must be a ModelParams"):
        _validate.check_params({"N": 3})
    assert isinstance(_validate.check_params(None), ModelParams)


def test_check_weights_without_values_checks_the_shape_only():
    from sensorynet._validate import check_weights
    W = np.array([[np.nan, -1.0], [1.0, 0.0]])
    assert check_weights(W, n_exc=1, values=False) is W       # NaN and signs not read
    with pytest.raises(ValueError, match="square"):
        check_weights(np.zeros((2, 3)), values=False)
    with pytest.raises(TypeError, match="float64"):
        check_weights(W.astype(np.float32), strict=True, values=False)
