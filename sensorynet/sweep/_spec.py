"""What a parameter sweep runs: :class:`SweepSpec`, its runs, and the metric registry.

A sweep is a base parameter set (:class:`~sensorynet._params.ModelParams`), a *grid*
(parameter name → list of values, all combinations) and/or a list of explicit *points*
(dicts of parameter values), a number of seeds per point, and the names of the metrics
to compute from each run of :func:`~sensorynet.experiments.run_published`.

Runs are ``points × grid × seeds``: the grid is applied on top of each point (with only
a grid or only points, that one alone). Everything is validated up front -- every
parameter point is constructed as a :class:`ModelParams` when the spec is created -- so
a bad spec fails before any simulation starts.

Seeds
-----
``np.random.SeedSequence(root_seed).spawn(seeds)`` gives one child per seed index; seed
index ``s`` is turned into the integer ``child_s.generate_state(1)[0]`` and passed to
``run_published`` as its root seed. Seed index ``s`` gets the *same* seed at every
parameter point (common random numbers: the same network draw and input realisation
where the parameters allow it), so differences between points are not masked by
seed-to-seed noise. A child's value does not depend on how many seeds are spawned, so
adding seeds to a finished sweep reuses the runs already done.

Run identity
------------
Each run has a stable id, a hash of its full parameter set, seed, number of learning
blocks, metric names and metric options, and of the code that computes it: the package
version (``sensorynet.__version__``) and :func:`~sensorynet._store.source_fingerprint`
(a hash of the package's Python sources, computed once per process), as in the keys of
:class:`~sensorynet._cache.ResultsCache`. The sweep store (:mod:`sensorynet.sweep._store`)
is keyed by it, so resuming is by content, not by position in the spec, and a store
never hands back results of different code: after any change to the package source a
re-run recomputes every run (the old records stay in the file but no longer match).
"""
from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import numbers
import os
import pathlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._params import ModelParams, canonical_name
from .._types import PathArg
from .._validate import check_int
from ._metrics import DEFAULT_METRICS, METRICS
from ._points import (
    Run,
    code_identity,
    flatten_params,
    normalize_value,
    params_dict,
    preflight,
    run_seeds,
)

__all__ = [
    "SweepSpec",
    "as_spec",
    "SPEC_FORMAT",
]

#: version of the run-id / store record layout (part of every run id); 2: the id
#: includes the package version and source fingerprint (:func:`code_identity`)
SPEC_FORMAT = 2

_SWEEP_KEYS = ("seeds", "root_seed", "n_blocks", "metrics", "tuning_duration_ms")
_TOP_KEYS = ("sweep", "base", "grid", "points")


def _canonical_overrides(d: object, what: str) -> dict[str, Any]:
    out = {}
    for key, value in flatten_params(d, what).items():
        name = canonical_name(key)
        if name in out:
            raise ValueError(f"{what}: parameter {name!r} is given twice")
        out[name] = normalize_value(name, value, what)
    return out


def _known_keys(d: Mapping[str, Any], allowed: Sequence[str], message: str) -> None:
    """ValueError (``message`` formatted with the unknown keys) unless ``d`` ⊆ ``allowed``."""
    unknown = sorted(set(d) - set(allowed))
    if unknown:
        raise ValueError(message.format(unknown) + f"; allowed: {list(allowed)}")


@dataclass(frozen=True, repr=False)
class SweepSpec:
    """A parameter sweep over :func:`~sensorynet.experiments.run_published`.

    Parameters
    ----------
    base : ModelParams or dict, optional
        Parameters every run starts from (default: the published ones). A dict gives
        overrides of the defaults, with dotted or nested names.
    grid : dict, optional
        Parameter name → non-empty list of values; all combinations are run.
    points : list of dict, optional
        Explicit parameter points (overrides of ``base``); the grid is applied on top
        of each. A name cannot be both in the grid and in a point.
    seeds : int
        Seeds per parameter point (>= 1), derived from ``root_seed`` (module notes).
    root_seed : int
        Non-negative root of all seeds.
    n_blocks : int, optional
        Learning blocks of every run (default ``protocol.n_blocks`` of each point);
        stored as ``protocol.n_blocks`` in the runs' parameters.
    metrics : sequence of str
        Registered metric names (:func:`available_metrics`); default
        :data:`DEFAULT_METRICS`.
    tuning_duration_ms : float, optional
        Duration of each orientation of the tuning protocol used by OSI metrics;
        ``None`` (default) uses the defaults of :func:`sensorynet.experiments._tuning.run_tuning`.

    Raises
    ------
    ValueError, TypeError
        For unknown parameter names, empty grids, invalid values (every point is
        constructed as a ModelParams), duplicate points, unknown metrics.

    Examples
    --------
    >>> spec = SweepSpec(grid={"network.g": [6, 8], "plasticity.A_LTP": [6e-5, 1e-4]},
    ...                  seeds=3, n_blocks=10, metrics=["rate_E_after", "spec_EE_0_30"])
    >>> len(spec.runs)
    12
    """

    base: ModelParams | Mapping[str, Any] = field(default_factory=ModelParams)
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    points: Sequence[Mapping[str, Any]] = ()
    seeds: int = 1
    root_seed: int = 0
    n_blocks: int | None = None
    metrics: Sequence[str] = DEFAULT_METRICS
    tuning_duration_ms: float | None = None
    # the runs, built once in __post_init__ (not an argument, not compared)
    _runs: tuple[Run, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen)
        # base
        base = self.base
        if isinstance(base, Mapping):
            overrides = _canonical_overrides(base, "base")
            try:
                base = ModelParams().replace(**overrides)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"base: {exc}") from None
        elif not isinstance(base, ModelParams):
            raise TypeError(f"base must be a ModelParams or a dict of overrides, "
                            f"got {type(base).__name__}")
        set_("base", base)
        # grid
        grid = self.grid if self.grid is not None else {}
        flat = flatten_params(grid, "grid")
        norm_grid = {}
        for key, values in flat.items():
            name = canonical_name(key)
            if name in norm_grid:
                raise ValueError(f"grid: parameter {name!r} is given twice")
            if isinstance(values, (str, bytes)) or not isinstance(
                    values, (Sequence, np.ndarray, range)):
                raise TypeError(f"grid[{name!r}] must be a list of values, got {values!r}")
            seq = values.tolist() if isinstance(values, np.ndarray) else list(values)
            vals = tuple(normalize_value(name, v, f"grid[{name!r}]") for v in seq)
            if not vals:
                raise ValueError(f"grid[{name!r}] is empty: give at least one value")
            if len(set(vals)) != len(vals):
                raise ValueError(f"grid[{name!r}] has duplicate values: {list(vals)}")
            norm_grid[name] = vals
        set_("grid", norm_grid)
        # points
        pts = self.points if self.points is not None else ()
        if isinstance(pts, Mapping) or not isinstance(pts, Sequence):
            raise TypeError(f"points must be a list of dicts, got {type(pts).__name__}")
        norm_pts = []
        for i, p in enumerate(pts):
            d = _canonical_overrides(p, f"points[{i}]")
            both = sorted(set(d) & set(norm_grid))
            if both:
                raise ValueError(f"points[{i}]: {both} also in the grid; a parameter is "
                                 "either swept by the grid or set by points")
            norm_pts.append(d)
        if not norm_grid and not norm_pts:
            raise ValueError("nothing to sweep: the grid is empty and no points are "
                             "given (use points=[{}] to run only the base parameters)")
        set_("points", tuple(norm_pts))
        # scalars
        set_("seeds", check_int(self.seeds, "seeds", low=1))
        set_("root_seed", check_int(self.root_seed, "root_seed", low=0))
        if self.n_blocks is not None:
            set_("n_blocks", check_int(self.n_blocks, "n_blocks", low=0))
            if "protocol.n_blocks" in norm_grid or any("protocol.n_blocks" in p
                                                       for p in norm_pts):
                raise ValueError("n_blocks is set for the whole sweep and "
                                 "protocol.n_blocks is swept: give only one of them")
        metrics = (self.metrics,) if isinstance(self.metrics, str) else self.metrics
        if metrics is None or not isinstance(metrics, (Sequence, np.ndarray)):
            raise TypeError(f"metrics must be a list of metric names, got {metrics!r}")
        metrics = tuple(metrics)
        if not metrics:
            raise ValueError("metrics is empty: name at least one metric")
        for m in metrics:
            if m not in METRICS:
                close = difflib.get_close_matches(str(m), list(METRICS), n=3)
                hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                raise ValueError(f"unknown metric {m!r}{hint} "
                                 f"(available: {sorted(METRICS)})")
        if len(set(metrics)) != len(metrics):
            raise ValueError(f"metrics has duplicates: {list(metrics)}")
        set_("metrics", metrics)
        self._check_tuning()
        set_("_runs", self._build_runs())

    # -- validation helpers
    def _check_tuning(self) -> None:
        tdm = self.tuning_duration_ms
        if tdm is not None:
            if isinstance(tdm, bool) or not isinstance(tdm, numbers.Real) \
                    or not math.isfinite(tdm) or tdm <= 0:
                raise ValueError(f"tuning_duration_ms must be a positive number, got {tdm!r}")
            object.__setattr__(self, "tuning_duration_ms",
                               int(tdm) if float(tdm).is_integer() else float(tdm))

    @property
    def _base(self) -> ModelParams:
        """``base`` after ``__post_init__``, which turns a dict into a ModelParams."""
        assert isinstance(self.base, ModelParams)
        return self.base

    def _build_runs(self) -> tuple[Run, ...]:
        names = self.param_names
        seeds = run_seeds(self.root_seed, self.seeds)
        combos = list(itertools.product(*self.grid.values()))
        runs: list[Run] = []
        seen: dict[str, int] = {}
        code = code_identity()
        point_index = 0
        for i, p in enumerate(self.points or ({},)):
            for combo in combos:
                overrides = dict(p)
                overrides.update(zip(self.grid, combo, strict=True))
                desc = dict(overrides)
                if self.n_blocks is not None:
                    overrides["protocol.n_blocks"] = self.n_blocks
                where = f"points[{i}]" + (" + grid" if self.grid else "") \
                    if self.points else "grid"
                try:
                    params = self._base.replace(**overrides)
                except (ValueError, TypeError) as exc:
                    raise type(exc)(f"invalid sweep point {desc} ({where}): {exc}") from None
                preflight(params, f"invalid sweep point {desc} ({where})")
                tdm = self._tuning_option
                if tdm is not None and not float(tdm / params.network.dt).is_integer():
                    raise ValueError(f"invalid sweep point {desc} ({where}): "
                                     f"tuning_duration_ms={tdm} is not a multiple of "
                                     f"network.dt={params.network.dt}")
                values = {n: normalize_value(n, params.get(n), "point") for n in names}
                n_blocks = params.protocol.n_blocks
                pdict = params_dict(params)
                for s, seed in enumerate(seeds):
                    rid = self._run_id(pdict, seed, n_blocks, code)
                    if rid in seen:
                        raise ValueError(f"duplicate sweep point {desc} ({where}) with seed "
                                         f"index {s}: same parameters as run {seen[rid]}")
                    seen[rid] = len(runs)
                    runs.append(Run(len(runs), point_index, values, params, s, seed,
                                    n_blocks, rid))
                point_index += 1
        return tuple(runs)

    def _run_id(self, pdict: dict[str, Any], seed: int, n_blocks: int, code: dict[str, str]
                ) -> str:
        payload = {"format": SPEC_FORMAT, "params": pdict, "seed": int(seed),
                   "n_blocks": int(n_blocks), "metrics": sorted(self.metrics),
                   "tuning_duration_ms": self._tuning_option,
                   "version": code["version"], "source": code["source"]}
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    @property
    def _tuning_option(self) -> float | None:
        """``tuning_duration_ms`` if a requested metric uses it, else None."""
        if any(METRICS[m].needs_tuning for m in self.metrics if m in METRICS):
            return self.tuning_duration_ms
        return None

    # -- public API
    @property
    def param_names(self) -> tuple[str, ...]:
        """Swept parameter names (DataFrame columns): point keys, then grid keys."""
        names: list[str] = []
        for p in self.points:
            names.extend(k for k in p if k not in names)
        names.extend(k for k in self.grid if k not in names)
        return tuple(names)

    @property
    def runs(self) -> tuple[Run, ...]:
        """All runs (:class:`Run`), in a deterministic order."""
        return self._runs

    @property
    def n_runs(self) -> int:
        """Number of runs."""
        return len(self._runs)

    @property
    def seed_values(self) -> list[int]:
        """Integer seed of each seed index."""
        return run_seeds(self.root_seed, self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-serialisable dict; :meth:`from_dict` round-trips it."""
        sweep: dict[str, Any] = {"seeds": self.seeds, "root_seed": self.root_seed,
                 "metrics": list(self.metrics)}
        if self.n_blocks is not None:
            sweep["n_blocks"] = self.n_blocks
        if self.tuning_duration_ms is not None:
            sweep["tuning_duration_ms"] = self.tuning_duration_ms
        default = params_dict(ModelParams())
        base = {f"{g}.{k}": v for g, sub in params_dict(self._base).items()
                for k, v in sub.items() if default[g][k] != v}
        return {"sweep": sweep, "base": base,
                "grid": {k: list(v) for k, v in self.grid.items()},
                "points": [dict(p) for p in self.points]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str = "spec") -> SweepSpec:
        """Build from a dict with the layout of the TOML file (see :meth:`from_toml`)."""
        if not isinstance(d, Mapping):
            raise TypeError(f"{source} must be a dict, got {type(d).__name__}")
        _known_keys(d, _TOP_KEYS, f"{source}: unknown section(s) {{}}")
        sweep = d.get("sweep", {})
        if not isinstance(sweep, Mapping):
            raise TypeError(f"{source}: [sweep] must be a table")
        _known_keys(sweep, _SWEEP_KEYS, f"{source}: unknown key(s) {{}} in [sweep]")
        points = d.get("points", [])
        if isinstance(points, Mapping):
            raise TypeError(f"{source}: points must be an array of tables ([[points]])")
        return cls(base=d.get("base", {}), grid=d.get("grid", {}), points=list(points),
                   **{k: sweep[k] for k in _SWEEP_KEYS if k in sweep})

    @classmethod
    def from_toml(cls, path: PathArg) -> SweepSpec:
        """Read a TOML spec file.

        Layout::

            [sweep]                  # all optional
            seeds = 3
            root_seed = 2015
            n_blocks = 40
            metrics = ["rate_E_after", "spec_EE_0_30"]
            tuning_duration_ms = 2000

            [base]                   # overrides of the published parameters
            "network.N" = 500

            [grid]                   # name → list of values
            "network.g" = [6.0, 8.0, 10.0]

            [[points]]               # explicit points (optional)
            "input.m_E" = 0.1

        Names may be quoted dotted keys (``"network.g"``), TOML dotted keys
        (``network.g``) or nested tables (``[grid.network]``).
        """
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        p = pathlib.Path(path)
        with open(p, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{p}: invalid TOML: {exc}") from None
        try:
            return cls.from_dict(data, source=str(p))
        except (ValueError, TypeError) as exc:
            msg = str(exc)
            raise type(exc)(msg if msg.startswith(str(p)) else f"{p}: {msg}") from None

    def describe(self) -> str:
        """Short human-readable summary."""
        lines = [f"SweepSpec: {self.n_runs} runs = "
                 f"{len(self.points) or 1} point(s) × "
                 f"{math.prod(len(v) for v in self.grid.values())} grid combination(s) × "
                 f"{self.seeds} seed(s) (root_seed={self.root_seed})"]
        for k, v in self.grid.items():
            lines.append(f"  grid {k}: {list(v)}")
        for i, p in enumerate(self.points):
            lines.append(f"  point {i}: {p}")
        base = self.to_dict()["base"]
        if base:
            lines.append(f"  base overrides: {base}")
        nb = self.n_blocks if self.n_blocks is not None else "from params"
        lines.append(f"  n_blocks: {nb}")
        lines.append(f"  metrics: {list(self.metrics)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"SweepSpec(runs={self.n_runs}, params={list(self.param_names)}, "
                f"seeds={self.seeds}, root_seed={self.root_seed}, "
                f"n_blocks={self.n_blocks}, metrics={list(self.metrics)})")


def as_spec(spec: SweepSpec | dict[str, Any] | PathArg) -> SweepSpec:
    """A :class:`SweepSpec` from a spec, a dict (:meth:`SweepSpec.from_dict`) or TOML file."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return SweepSpec.from_dict(spec)
    if isinstance(spec, (str, os.PathLike)):
        return SweepSpec.from_toml(spec)
    raise TypeError(f"spec must be a SweepSpec, a dict or a path to a TOML file, "
                    f"got {type(spec).__name__}")
