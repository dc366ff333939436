"""Metrics a parameter sweep can compute from each run, and their registry.

A metric is ``func(result, ctx) -> float`` on an
:class:`~sensorynet._results.ExperimentResult`; :class:`RunContext` memoises analyses
several metrics share (e.g. the tuning protocol, or a registered protocol's run).
:func:`register_metric` adds one; :func:`protocol_metric` makes one from any protocol of
:data:`sensorynet.experiments.PROTOCOLS`, so a sweep can measure what a further
experiment (a user's own included) reports.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from .._results import ExperimentResult
from .._types import POPULATIONS, FloatArray, PlasticPathway, Population

if TYPE_CHECKING:   # run by the metrics that need it, on the workers
    from ..experiments import TuningResult

__all__ = ["Metric", "MetricFunc", "RunContext", "METRICS", "DEFAULT_METRICS",
           "register_metric", "available_metrics", "protocol_metric"]

_T = TypeVar("_T")


# --------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class Metric:
    """A registered metric.

    Attributes
    ----------
    name : str
    func : callable
        ``func(result, ctx) -> float`` with ``result`` an
        :class:`~sensorynet._results.ExperimentResult` and ``ctx`` a :class:`RunContext`.
    description : str
    unit : str
        Unit for axis labels (``""`` if dimensionless).
    needs_tuning : bool
        Whether it runs the tuning protocol (:func:`sensorynet.experiments.run_tuning`).
    """

    name: str
    func: MetricFunc
    description: str = ""
    unit: str = ""
    needs_tuning: bool = False

    @property
    def label(self) -> str:
        """Axis label: name and unit."""
        return f"{self.name} ({self.unit})" if self.unit else self.name


class RunContext:
    """Per-run helper handed to metric functions; memoises shared analyses.

    Parameters
    ----------
    result : ExperimentResult
        The finished run.
    seed : int
        The run's root seed (also the seed of the tuning protocol).
    tuning_duration_ms : float, optional
        Duration of each orientation of the tuning protocol; ``None`` uses the
        defaults of :func:`sensorynet.experiments._tuning.run_tuning`.
    """

    def __init__(self, result: ExperimentResult, seed: int,
                 tuning_duration_ms: float | None = None) -> None:
        self.result = result
        self.seed = int(seed)
        self.tuning_duration_ms = tuning_duration_ms
        self._cache: dict[Any, Any] = {}

    def cached(self, key: Any, compute: Callable[[], _T]) -> _T:
        """``compute()`` once per run and key."""
        if key not in self._cache:
            self._cache[key] = compute()
        value: _T = self._cache[key]
        return value

    def weights(self, which: str = "after") -> FloatArray:
        """Dense weights before (W0) or after learning (W), mV."""
        if which not in ("before", "after"):
            raise ValueError(f"which must be 'before' or 'after', got {which!r}")
        r = self.result
        return self.cached(("W", which),
                           lambda: r.dense(r.W0 if which == "before" else r.W))

    def tuning(self, which: str = "after") -> TuningResult:
        """:class:`~sensorynet.experiments._tuning.TuningResult` of W0 (before) or W (after).

        Both use the run's seed, so they see the same input realisation.
        """
        if which not in ("before", "after"):
            raise ValueError(f"which must be 'before' or 'after', got {which!r}")

        def compute() -> TuningResult:
            from ..experiments import run_tuning
            r = self.result
            W = r.W0 if which == "before" else r.W
            if self.tuning_duration_ms is None:   # run_tuning's default duration
                return run_tuning(W, r.po, r.params, self.seed)
            return run_tuning(W, r.po, r.params, self.seed, duration_ms=self.tuning_duration_ms)
        return self.cached(("tuning", which), compute)

    def protocol(self, protocol: Any) -> Any:
        """The result of a registered protocol (a
        :class:`~sensorynet.experiments.Protocol`) run on this run's learned network,
        once per run however many metrics read it."""
        from ..experiments import RunContext as ProtocolContext
        r = self.result
        return self.cached(("protocol", protocol.name), lambda: protocol.run(
            ProtocolContext(r.params, self.seed, r.n_blocks, progress=False, published=r)))

    def specificity_EE(self) -> FloatArray:
        """Mean E→E weight in the |ΔPO| bins 0–30, 30–60, 60–90° after learning."""
        from ..analysis import specificity
        r = self.result
        return self.cached("spec_EE", lambda: specificity(
            self.weights("after"), r.po, r.n_exc, "EE"))

    def pruning(self) -> dict[str, dict[str, float]]:
        """:func:`~sensorynet.analysis._connectivity.pruning_stats` of the run."""
        from ..analysis import pruning_stats
        r = self.result
        pl = r.params.plasticity
        return self.cached("pruning", lambda: pruning_stats(
            self.weights("after"), self.weights("before"), r.n_exc, pl.w_max, pl.w_min_inh))


#: a metric: ``func(result, ctx) -> float`` of one finished run
MetricFunc: TypeAlias = Callable[[ExperimentResult, RunContext], float]


def _rate(phase: str, pop: Population) -> MetricFunc:
    def f(result: ExperimentResult, ctx: RunContext) -> float:
        return result.spikes[phase].population_rates()[pop]
    f.__name__ = f"rate_{pop}_{phase}"
    return f


def _block_rate(first: bool) -> MetricFunc:
    def f(result: ExperimentResult, ctx: RunContext) -> float:
        if result.n_blocks == 0:
            return float("nan")
        return result.block_spikes(0 if first else result.n_blocks - 1) \
            .population_rates()["E"]
    return f


def _spec(k: int) -> MetricFunc:
    def f(result: ExperimentResult, ctx: RunContext) -> float:
        return float(ctx.specificity_EE()[k])
    return f


def _osi(pop: Population, which: str) -> MetricFunc:
    def f(result: ExperimentResult, ctx: RunContext) -> float:
        t = ctx.tuning(which)
        return t.population_mean(t.osi)[pop]
    return f


def _bidirectional(result: ExperimentResult, ctx: RunContext) -> float:
    from ..analysis import bidirectional_surplus
    return bidirectional_surplus(ctx.weights("after"), result.n_exc)


def _pruning(pathway: PlasticPathway, key: str) -> MetricFunc:
    def f(result: ExperimentResult, ctx: RunContext) -> float:
        return ctx.pruning()[pathway][key]
    return f


def protocol_metric(protocol: str, *path: str | int) -> MetricFunc:
    """A metric function reading one number from a registered protocol's ``metrics()``.

    The protocol runs on each sweep run's learned network (its parameters, seed and
    number of blocks), once per run however many metrics read it.

    Parameters
    ----------
    protocol : str
        Name of a protocol in :data:`sensorynet.experiments.PROTOCOLS` other than
        ``"published"``. The :class:`~sensorynet.experiments.Protocol` itself is bound
        now, so worker processes need not register it.
    *path : str or int
        Keys (and list indices) into the protocol result's ``metrics()``, down to a
        number.

    Returns
    -------
    callable
        ``func(result, ctx) -> float``, for :func:`register_metric`. It raises
        ``ValueError`` naming the path when ``metrics()`` has no number there.

    Raises
    ------
    ValueError
        For an unknown protocol, ``"published"`` (the sweep's own run) or an empty path.

    Examples
    --------
    The change of the learned E→E contrast during spontaneous activity, as a fraction
    of the learned contrast, in every run of a sweep:

    >>> from sensorynet.sweep import protocol_metric, register_metric
    >>> m = register_metric("spont_contrast_change",
    ...                     protocol_metric("spontaneous", "contrast_EE", "fraction"),
    ...                     description="change of the learned E→E contrast during "
    ...                                 "spontaneous activity / learned contrast")
    >>> m.name
    'spont_contrast_change'
    """
    from ..experiments import PROTOCOLS
    if protocol not in PROTOCOLS or protocol == "published":
        raise ValueError(f"protocol must be a registered protocol other than 'published' "
                         f"({', '.join(n for n in PROTOCOLS if n != 'published')}), got "
                         f"{protocol!r}")
    if not path:
        raise ValueError("protocol_metric needs the path of a number in the protocol's "
                         "metrics(), e.g. protocol_metric('spontaneous', 'ltd_on', ...)")
    proto = PROTOCOLS[protocol]
    where = protocol + "".join(f"[{k!r}]" for k in path)

    def f(result: ExperimentResult, ctx: RunContext) -> float:
        value: Any = ctx.protocol(proto).metrics()
        for key in path:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                raise ValueError(f"metric {where}: metrics() has no entry {key!r} "
                                 f"there") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"metric {where}: not a number, got {value!r}")
        return float(value)
    f.__name__ = f"protocol_metric_{protocol}"
    return f


def _existing_spec(k: int | None) -> MetricFunc:
    def f(result: ExperimentResult, ctx: RunContext) -> float:
        def compute() -> FloatArray:
            from ..analysis import specificity
            return specificity(result.W, result.po, result.n_exc, "EE",
                               existing_only=True, W0=result.W0)
        s = ctx.cached("spec_EE_existing", compute)
        return s[k] if k is not None else s[0] - s[-1]
    return f


_REGISTRY: dict[str, Metric] = {}

#: read-only view of the metric registry, name → :class:`Metric`
METRICS = MappingProxyType(_REGISTRY)


def register_metric(name: str, func: MetricFunc, *, description: str = "", unit: str = "",
                    needs_tuning: bool = False, overwrite: bool = False) -> Metric:
    """Add a metric to the registry.

    Parameters
    ----------
    name : str
        Column name in the sweep's DataFrame (a Python identifier).
    func : callable
        ``func(result, ctx) -> float``; ``result`` is the run's
        :class:`~sensorynet._results.ExperimentResult`, ``ctx`` a :class:`RunContext`.
        It is shipped to the workers with each task (by reference when importable,
        otherwise by value with cloudpickle).
    description, unit : str
        For documentation and axis labels.
    needs_tuning : bool
        The metric runs the tuning protocol (checked up front).
    overwrite : bool
        Replace an existing metric of that name.

    Returns
    -------
    Metric

    Notes
    -----
    Run ids depend on metric *names*, not on the functions: re-registering a different
    function under an existing name does not invalidate stored results.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"metric name must be a Python identifier, got {name!r}")
    if not callable(func):
        raise TypeError(f"metric {name!r}: func must be callable, got {type(func).__name__}")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"metric {name!r} is already registered (pass overwrite=True)")
    m = Metric(name, func, str(description), str(unit), bool(needs_tuning))
    _REGISTRY[name] = m
    return m


for _pop in POPULATIONS:
    for _ph in ("before", "after"):
        register_metric(f"rate_{_pop}_{_ph}", _rate(_ph, _pop), unit="Hz",
                        description=f"mean {_pop} rate in the {_ph} test (π/2 input)")
register_metric("rate_E_first_block", _block_rate(True), unit="Hz",
                description="mean E rate in the first learning block")
register_metric("rate_E_last_block", _block_rate(False), unit="Hz",
                description="mean E rate in the last learning block")
for _k, (_lo, _hi) in enumerate(((0, 30), (30, 60), (60, 90))):
    register_metric(f"spec_EE_{_lo}_{_hi}", _spec(_k), unit="mV",
                    description=f"mean learned E→E weight over all E pairs (absent = 0) "
                                f"with |ΔPO| in {_lo}–{_hi}°")
    register_metric(f"spec_EE_existing_{_lo}_{_hi}", _existing_spec(_k), unit="mV",
                    description=f"mean learned weight of the existing E→E synapses of "
                                f"W0 (pruned = 0) with |ΔPO| in {_lo}–{_hi}°")
register_metric("contrast_EE_existing", _existing_spec(None), unit="mV",
                description="spec_EE_existing_0_30 minus spec_EE_existing_60_90 (E→E "
                            "specificity contrast per existing synapse)")
register_metric("bidirectional_surplus", _bidirectional,
                description="observed / expected reciprocally strong (>1 mV) E↔E pairs")
register_metric("pruned_EE", _pruning("EE", "pruned"),
                description="fraction of initial E→E synapses pruned to 0")
register_metric("mean_EI", _pruning("EI", "mean_existing"), unit="mV",
                description="mean learned E→I weight over initial synapses")
register_metric("mean_IE", _pruning("IE", "mean_existing"), unit="mV",
                description="mean learned I→E weight over initial synapses")
for _pop in POPULATIONS:
    for _ph in ("before", "after"):
        register_metric(f"osi_{_pop}_{_ph}", _osi(_pop, _ph), needs_tuning=True,
                        description=f"mean OSI of {_pop} neurons, tuning protocol on the "
                                    f"{'initial' if _ph == 'before' else 'learned'} W")
del _pop, _ph, _k, _lo, _hi

#: metrics computed when a spec names none
DEFAULT_METRICS = ("rate_E_before", "rate_E_after", "rate_I_before", "rate_I_after",
                   "spec_EE_0_30", "spec_EE_30_60", "spec_EE_60_90",
                   "bidirectional_surplus", "osi_E_before", "osi_E_after", "pruned_EE")


def available_metrics() -> dict[str, str]:
    """Registered metrics: name → description (with unit)."""
    return {n: (f"{m.description} [{m.unit}]" if m.unit else m.description)
            for n, m in _REGISTRY.items()}
