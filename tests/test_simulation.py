"""The compiled core against the golden vectors and the numpy reference."""
import numpy as np
import pytest

import sensorynet as sn
from sensorynet.reference import simulate_reference


def _same_spikes(a_n, a_k, b_n, b_k):
    return np.array_equal(a_n, b_n) and np.array_equal(a_k, b_k)


@pytest.mark.parametrize("engine", ["core", "reference"])
def test_golden_static(golden, engine):
    W0, x = golden["W0"], golden["static_inputs"]
    if engine == "core":
        r = sn.simulate(W0, x, plastic=False)
        n, k, W, v = r.spike_neurons, r.spike_steps, r.W, r.v_last
    else:
        n, k, W, v = simulate_reference(W0, x, plastic=False)
    assert _same_spikes(n, k, golden["static_spike_neurons"], golden["static_spike_steps"])
    np.testing.assert_allclose(v, golden["static_v_last"], rtol=0, atol=1e-12)
    assert np.array_equal(W, W0)


@pytest.mark.parametrize("engine", ["core", "reference"])
def test_golden_plastic(golden, engine):
    W0, x = golden["plastic_W_start"], golden["plastic_inputs"]
    W_copy = W0.copy()
    if engine == "core":
        r = sn.simulate(W0, x, plastic=True)
        n, k, W, v = r.spike_neurons, r.spike_steps, r.W, r.v_last
    else:
        n, k, W, v = simulate_reference(W0, x, plastic=True)
    assert np.array_equal(W0, W_copy), "input W was modified"
    assert _same_spikes(n, k, golden["plastic_spike_neurons"], golden["plastic_spike_steps"])
    np.testing.assert_allclose(W, golden["plastic_W_end"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v, golden["plastic_v_last"], rtol=0, atol=1e-12)
    assert np.abs(W - W0).max() > 1e-3   # plasticity did something


def _random_case(N, seed, T, eps=0.3, b=2000.0):
    params = sn.ModelParams(network=sn.NetworkParams(N=N, eps_EE=eps, eps_EI=eps),
                            input=sn.InputParams(b=b))
    net = sn.build_network(params.network, seed)
    rng = np.random.default_rng(seed)
    th = rng.uniform(0, np.pi, 4)
    x = sn.stimulus_input(th, T // 4, net.po, net.n_exc, seed + 1, params.input).counts()
    # weights off the initial grid so that rounding order would matter
    W = net.W * rng.uniform(0.5, 1.2, net.W.shape)
    return params, W, x


SWITCHES = [
    {},
    {"plastic_EE": False},
    {"plastic_EI": False},
    {"plastic_IE": False},
    {"ltd_IE": False},
    {"mask_IE": False},
    {"plastic_EE": False, "plastic_EI": False, "plastic_IE": False},
]


@pytest.mark.parametrize("N,seed", [(10, 1), (37, 2), (500, 3)])
@pytest.mark.parametrize("switch", SWITCHES, ids=lambda s: ",".join(s) or "all")
def test_core_matches_reference(N, seed, switch):
    T = 400 if N == 500 else 1000
    b = 2000.0 if N == 500 else 2600.0   # keep small nets active
    params, W, x = _random_case(N, seed, T, eps=0.5 if N < 100 else 0.3, b=b)
    params = params.replace(**{f"plasticity.{k}": v for k, v in switch.items()})
    v0 = np.random.default_rng(seed).uniform(-5, 15, N)
    r = sn.simulate(W, x, plastic=True, params=params, v_init=v0)
    n, k, Wr, vr = simulate_reference(W, x, plastic=True, params=params, v_init=v0)
    assert n.size > 10
    assert _same_spikes(r.spike_neurons, r.spike_steps, n, k)
    np.testing.assert_allclose(r.W, Wr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.v_last, vr, rtol=0, atol=1e-12)


def test_switches_freeze_their_pathway():
    params, W, x = _random_case(37, 5, 1000, eps=0.5, b=2600.0)
    NE = params.network.N_E
    for name, block in [("plastic_EE", (slice(0, NE), slice(0, NE))),
                        ("plastic_EI", (slice(0, NE), slice(NE, None))),
                        ("plastic_IE", (slice(NE, None), slice(0, NE)))]:
        p = params.replace(**{f"plasticity.{name}": False})
        Wn = sn.simulate(W, x, plastic=True, params=p).W
        assert np.array_equal(Wn[block], W[block]), name
        Wa = sn.simulate(W, x, plastic=True, params=params).W
        assert not np.array_equal(Wa[block], W[block]), name
    # I→I is always static
    assert np.array_equal(Wa[NE:, NE:], W[NE:, NE:])


def test_static_run_keeps_weights_and_sorted_spikes(golden):
    r = sn.simulate(golden["W0"], golden["static_inputs"], plastic=False)
    order = np.lexsort((r.spike_neurons, r.spike_steps))
    assert np.array_equal(order, np.arange(order.size))
    assert r.W is not golden["W0"]


def test_time_major_and_generated_inputs_agree():
    net = sn.build_network(sn.NetworkParams(), 3)
    inp = sn.stimulus_input([0.3, 1.2], 100, net.po, net.n_exc, 11)
    a = sn.simulate(net.W, inp, plastic=True)
    b = sn.simulate(net.W, inp.counts(), plastic=True)
    c = sn.simulate(net.W, inp.counts(time_major=True), plastic=True, time_major=True)
    for other in (b, c):
        assert np.array_equal(a.spike_neurons, other.spike_neurons)
        assert np.array_equal(a.spike_steps, other.spike_steps)
        assert np.array_equal(a.W, other.W)


def test_recording_matches_spikes():
    net = sn.build_network(sn.NetworkParams(), 4)
    inp = sn.stimulus_input([0.3], 300, net.po, net.n_exc, 12)
    rec = np.array([0, 7, 450])
    r = sn.simulate(net.W, inp, plastic=True, record=rec)
    assert r.recorded["v"].shape == (300, 3)
    for q, n in enumerate(rec):
        spk_steps = r.spike_steps[r.spike_neurons == n]
        assert np.all(r.recorded["v"][spk_steps, q] == 0.0)
    assert set(r.recorded) >= {"u_minus", "u_plus", "xbar", "vbar"}
    assert np.all(r.recorded["xbar"] >= 0)
    r2 = sn.simulate(net.W, inp, plastic=True)
    assert np.array_equal(r.spike_neurons, r2.spike_neurons)
    assert r2.recorded is None


class TestValidation:
    def setup_method(self):
        self.net = sn.build_network(sn.NetworkParams(N=20), 0)
        self.x = np.ones((20, 5), np.uint8)

    def test_wrong_shapes(self):
        with pytest.raises(ValueError, match="square"):
            sn.simulate(np.zeros((3, 4)), self.x, plastic=False)
        with pytest.raises(ValueError, match="inputs"):
            sn.simulate(self.net.W, np.ones((19, 5), int), plastic=False)
        with pytest.raises(ValueError, match="inputs"):
            sn.simulate(self.net.W, np.ones(20, int), plastic=False)
        with pytest.raises(ValueError, match="v_init"):
            sn.simulate(self.net.W, self.x, plastic=False, v_init=np.zeros(3))

    def test_dtypes(self):
        with pytest.raises(TypeError, match="float64"):
            sn.simulate(self.net.W.astype(np.float32), self.x, plastic=False)
        with pytest.raises(TypeError, match="integer counts"):
            sn.simulate(self.net.W, self.x + 0.5, plastic=False)
        with pytest.raises(TypeError, match="plastic"):
            sn.simulate(self.net.W, self.x, plastic="yes")
        with pytest.raises(TypeError, match="params"):
            sn.simulate(self.net.W, self.x, plastic=False, params={"g": 1})

    def test_bad_values(self):
        with pytest.raises(ValueError, match="non-negative"):
            sn.simulate(self.net.W, -self.x.astype(int), plastic=False)
        W = self.net.W.copy()
        W[0, 1] = np.nan
        with pytest.raises(ValueError, match="non-finite"):
            sn.simulate(W, self.x, plastic=False)
        W = self.net.W.copy()
        W[0, 1] = -1.0
        with pytest.raises(ValueError, match="excitatory"):
            sn.simulate(W, self.x, plastic=False)
        W = self.net.W.copy()
        W[19, 1] = 1.0
        with pytest.raises(ValueError, match="inhibitory"):
            sn.simulate(W, self.x, plastic=False)
        W = self.net.W.copy()
        W[0, 1] = 3.0
        with pytest.raises(ValueError, match="w_max"):
            sn.simulate(W, self.x, plastic=True)
        with pytest.raises(ValueError, match="v_init"):
            sn.simulate(self.net.W, self.x, plastic=False, v_init=np.full(20, np.inf))
        with pytest.raises(ValueError, match="N=1|at least 2"):
            sn.simulate(np.zeros((1, 1)), np.ones((1, 3), int), plastic=False)

    def test_params_size_mismatch(self):
        with pytest.raises(ValueError, match="network.N"):
            sn.simulate(self.net.W, self.x, plastic=False, params=sn.ModelParams())


@pytest.mark.slow
@pytest.mark.parametrize("plastic", [True, False])
def test_threads_do_not_change_results(plastic):
    net = sn.build_network(sn.NetworkParams(N=800).scaled(800, reference_N=500), 6, sparse=True)
    p = sn.ModelParams(network=net.params)
    inp = sn.stimulus_input([0.2, 2.0], 150, net.po, net.n_exc, 7, p.input)
    a = sn.simulate(net.W, inp, plastic=plastic, params=p)
    b = sn.simulate(net.W, inp, plastic=plastic, params=p, threads=2)
    assert a.spike_neurons.size > 100
    assert np.array_equal(a.spike_neurons, b.spike_neurons)
    assert np.array_equal(a.spike_steps, b.spike_steps)
    assert np.array_equal(a.W.data, b.W.data)
    with pytest.raises(ValueError, match="threads"):
        sn.simulate(net.W, inp, plastic=plastic, params=p, threads=10_000)


@pytest.mark.slow
def test_short_epoch_path_matches_reference():
    """Networks above EPOCH_LONG_MAX_N use plain prefix sums over short epochs."""
    from sensorynet._simulation import EPOCH_LONG_MAX_N, epoch_steps
    N = EPOCH_LONG_MAX_N + 200
    assert epoch_steps(N) < epoch_steps(500)
    params = sn.ModelParams(network=sn.NetworkParams().scaled(N))
    net = sn.build_network(params.network, 8)
    x = sn.stimulus_input([0.4, 2.2], 150, net.po, net.n_exc, 9, params.input).counts()
    r = sn.simulate(net.W, x, plastic=True, params=params)
    n, k, W, v = simulate_reference(net.W, x, plastic=True, params=params)
    assert n.size > 100
    assert _same_spikes(r.spike_neurons, r.spike_steps, n, k)
    np.testing.assert_allclose(r.W, W, rtol=0, atol=1e-12)


def test_poisson_input_dt_must_match_params():
    net = sn.build_network(sn.NetworkParams(N=20), 0)
    inp = sn.PoissonInput(np.full((1, 20), 2000.0), 10, key=1, dt=0.5)
    with pytest.raises(ValueError, match="dt"):
        sn.simulate(net.W, inp, plastic=False)
