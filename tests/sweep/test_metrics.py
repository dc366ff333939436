"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""
import math

import pytest

import sensorynet.sweep._runner as sw  # noqa: E402
from sensorynet import ModelParams, run_published  # noqa: E402
from sensorynet.analysis._connectivity import pruning_stats, specificity
from sensorynet.analysis._reciprocity import bidirectional_surplus
from sensorynet.sweep._metrics import (
    _REGISTRY,  # noqa: E402
    METRICS,
    register_metric,
)

CHEAP = ["rate_E_before", "rate_E_after", "rate_I_after", "spec_EE_0_30", "spec_EE_60_90",
         "bidirectional_surplus", "pruned_EE", "mean_IE"]


@pytest.fixture
def boom_metric():
    """A metric that raises for g == 8 (shipped to the workers by value)."""
    def boom(result, ctx):
        if result.params.network.g == 8.0:
            raise RuntimeError("boom at g=8")
        return 1.0
    register_metric("boom_test", boom, overwrite=True)
    yield "boom_test"
    _REGISTRY.pop("boom_test", None)




# ----------------------------------------------------------------------- metrics
def test_metrics_match_the_analysis_functions():
    p = ModelParams()
    funcs = {m: METRICS[m].func for m in CHEAP + ["rate_E_first_block", "mean_EI"]}
    out = sw.execute_run(p, 123, 2, funcs, None)
    assert out["error"] is None
    res = run_published(p, 123, n_blocks=2, progress=False)
    m = out["metrics"]
    assert m["rate_E_before"] == res.spikes["before"].population_rates()["E"]
    assert m["rate_E_after"] == res.spikes["after"].population_rates()["E"]
    assert m["rate_I_after"] == res.spikes["after"].population_rates()["I"]
    assert m["rate_E_first_block"] == res.learning_rates("E")[0]
    s = specificity(res.W, res.po, res.n_exc, "EE")
    assert m["spec_EE_0_30"] == s[0] and m["spec_EE_60_90"] == s[2]
    assert m["bidirectional_surplus"] == pytest.approx(
        bidirectional_surplus(res.W, res.n_exc), nan_ok=True)
    ps = pruning_stats(res.W, res.W0, res.n_exc)
    assert m["pruned_EE"] == ps["EE"]["pruned"]
    assert m["mean_IE"] == ps["IE"]["mean_existing"]
    assert m["mean_EI"] == ps["EI"]["mean_existing"]


def test_run_and_metric_failures_are_recorded(boom_metric):
    p = ModelParams()
    funcs = {"rate_E_after": METRICS["rate_E_after"].func,
             "boom_test": METRICS[boom_metric].func}
    # the simulation itself raises (invalid seed): every metric NaN, error recorded
    out = sw.execute_run(p, -1, 1, funcs, None)
    assert "ValueError" in out["error"] and "seed" in out["error"]
    assert all(math.isnan(v) for v in out["metrics"].values())
    assert "Traceback" in out["traceback"]
    # one metric raises: only that one is NaN and named in the error
    out = sw.execute_run(p, 1, 1, funcs, None)
    assert out["error"] == "boom_test: RuntimeError: boom at g=8"
    assert math.isnan(out["metrics"]["boom_test"])
    assert out["metrics"]["rate_E_after"] > 0


def test_osi_uses_tuning_defaults_unless_overridden(monkeypatch):
    import sensorynet.experiments as tuning
    from sensorynet.sweep._metrics import RunContext
    p = ModelParams()
    res = run_published(p, 5, n_blocks=1, progress=False)
    calls = []
    real = tuning.run_tuning

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **{**kwargs, "duration_ms": kwargs.get("duration_ms", 100)})
    monkeypatch.setattr(tuning, "run_tuning", spy)
    ctx = RunContext(res, 5)
    METRICS["osi_E_after"].func(res, ctx)
    METRICS["osi_E_after"].func(res, ctx)          # memoised: one tuning run
    assert calls == [{}]
    ctx = RunContext(res, 5, tuning_duration_ms=200)
    v = METRICS["osi_E_before"].func(res, ctx)
    assert calls[-1] == {"duration_ms": 200}
    monkeypatch.setattr(tuning, "run_tuning", real)
    t = real(res.W0, res.po, p, 5, duration_ms=200)
    assert v == t.population_mean(t.osi)["E"]


# ------------------------------------------------------- metrics of registered protocols
class _Counted:
    def __init__(self, n):
        self.n = n

    def metrics(self):
        return {"sizes": {"N": self.n, "halves": [self.n / 2, self.n / 2]}, "label": "x"}

    def claims(self):
        return []


@pytest.fixture
def counted_protocol():
    """A protocol registered by 'a user', counting its runs; removed afterwards."""
    from sensorynet.experiments import PROTOCOLS, Protocol, register_protocol
    runs = []

    def run(ctx):
        runs.append(ctx)
        return _Counted(ctx.learned().N)
    register_protocol(Protocol("counted_test", run))
    yield runs
    PROTOCOLS._items.pop("counted_test", None)


def test_protocol_metrics_read_a_registered_protocol_run_once_per_run(counted_protocol):
    from sensorynet.sweep import protocol_metric
    from sensorynet.sweep._metrics import RunContext
    res = run_published(seed=3, n_blocks=1, progress=False)
    ctx = RunContext(res, seed=3)
    n = protocol_metric("counted_test", "sizes", "N")
    half = protocol_metric("counted_test", "sizes", "halves", 1)
    assert n(res, ctx) == res.N and half(res, ctx) == res.N / 2
    run, = counted_protocol                                     # one run for both
    assert (run.published is res and run.seed == 3 and run.n_blocks == 1
            and run.params == res.params)
    # the Protocol is bound when the metric is made: a worker need not register it
    from sensorynet.experiments import PROTOCOLS
    PROTOCOLS._items.pop("counted_test")
    assert n(res, RunContext(res, seed=3)) == res.N and len(counted_protocol) == 2


def test_protocol_metric_against_a_package_protocol():
    from sensorynet.experiments import PROTOCOLS, RunContext
    from sensorynet.sweep import protocol_metric
    from sensorynet.sweep._metrics import RunContext as SweepContext
    res = run_published(seed=4, n_blocks=2, progress=False)
    f = protocol_metric("spontaneous", "contrast_EE", "fraction")
    direct = PROTOCOLS["spontaneous"].run(RunContext(res.params, 4, 2, published=res))
    assert f(res, SweepContext(res, seed=4)) == direct.metrics()["contrast_EE"]["fraction"]


def test_protocol_metric_errors_name_what_is_wrong(counted_protocol):
    from sensorynet.sweep import protocol_metric
    from sensorynet.sweep._metrics import RunContext
    for bad in ("no_such_protocol", "published"):
        with pytest.raises(ValueError, match="registered protocol"):
            protocol_metric(bad, "x")
    with pytest.raises(ValueError, match="path"):
        protocol_metric("counted_test")
    res = run_published(seed=3, n_blocks=1, progress=False)
    with pytest.raises(ValueError, match=r"counted_test\['sizes'\]\['M'\].*'M'"):
        protocol_metric("counted_test", "sizes", "M")(res, RunContext(res, seed=3))
    with pytest.raises(ValueError, match="not a number"):
        protocol_metric("counted_test", "label")(res, RunContext(res, seed=3))
