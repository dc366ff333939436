"""The runs of a sweep: one per parameter point and seed, each with a content-hash id
made of its parameters, seed, blocks, metrics and the code identity (version + source).
"""
from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._cache import source_fingerprint
from .._params import ModelParams, canonical_name
from .._runnable import check_runnable

__all__ = ["flatten_params", "normalize_value", "params_dict", "code_identity", "run_seeds",
           "Run", "preflight", "run_memory_bytes", "check_memory"]


# ------------------------------------------------------------------- parameter names
def _field_types() -> dict[str, str]:
    out = {}
    for group in ("network", "input", "plasticity", "protocol"):
        cls = type(getattr(ModelParams(), group))
        for f in dataclasses.fields(cls):
            t = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            out[f"{group}.{f.name}"] = t
    return out


_FIELD_TYPES = _field_types()


def _notation(path: tuple[str, ...]) -> str:
    """How a parameter was written: ``path`` is the tuple of keys leading to it."""
    if len(path) == 1:
        return f'"{path[0]}" (a quoted/flat key)'
    return (f"{'.'.join(path)} (a TOML dotted key or nested table: "
            f"{{{'{'.join(repr(k) + ': ' for k in path)}...{'}' * len(path)})")


def _flatten_paths(d: object, what: str, prefix: tuple[str, ...] = ()
                   ) -> list[tuple[str, tuple[str, ...], Any]]:
    """``[(dotted name, key path, value)]`` of a nested/flat parameter table."""
    if not isinstance(d, Mapping):
        raise TypeError(f"{what} must be a table/dict, got {type(d).__name__}")
    out = []
    for k, v in d.items():
        if not isinstance(k, str):
            raise TypeError(f"{what}: parameter names must be strings, got {k!r}")
        path = prefix + (k,)
        if isinstance(v, Mapping):
            out.extend(_flatten_paths(v, what, path))
        else:
            out.append((".".join(path), path, v))
    return out


def flatten_params(d: object, what: str, prefix: str = "") -> dict[str, Any]:
    """Nested tables (``{"network": {"g": 8}}``) → dotted keys (``{"network.g": 8}``).

    A parameter written twice in different notations (``{"network": {"g": [6]},
    "network.g": [8]}``, i.e. TOML ``network.g = [6]`` and ``"network.g" = [8]``) is
    an error naming both, never silently resolved to one of them.
    """
    out: dict[str, Any] = {}
    seen: dict[str, tuple[str, ...]] = {}
    for key, path, v in _flatten_paths(d, what, tuple(prefix.split(".")) if prefix
                                       else ()):
        try:
            name = canonical_name(key)
        except (ValueError, TypeError):
            name = key                 # reported as unknown by the caller
        if name in seen:
            raise ValueError(f"{what}: parameter {name!r} is given twice, as "
                             f"{_notation(seen[name])} and as {_notation(path)}; "
                             "give it once")
        seen[name] = path
        out[key] = v
    return out


def normalize_value(name: str, value: Any, where: str) -> bool | int | float:
    """Plain Python value of the field's type (ints for float fields become floats)."""
    if isinstance(value, np.generic):
        value = value.item()
    kind = _FIELD_TYPES[name]
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"{where}: {name} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    if kind == "int":
        if not float(value).is_integer():
            raise TypeError(f"{where}: {name} must be an integer, got {value!r}")
        # any Real converts; typeshed's numbers.Real declares no __int__
        return int(value)  # type: ignore[call-overload]
    return float(value)


def params_dict(params: ModelParams) -> dict[str, dict[str, bool | int | float]]:
    """``params.to_dict()`` with values normalised to their field types (for hashing)."""
    d = params.to_dict()
    return {g: {k: normalize_value(f"{g}.{k}", v, "params") for k, v in sub.items()}
            for g, sub in d.items()}


def code_identity() -> dict[str, str]:
    """The code a run id stands for: package version and source fingerprint.

    Returns
    -------
    dict
        ``{"version": sensorynet.__version__, "source": source_fingerprint()}``; the
        fingerprint is a sha256 of the package's ``.py`` files, read once per process
        (:func:`sensorynet._store.source_fingerprint` caches it).
    """
    from .._version import __version__
    return {"version": __version__, "source": source_fingerprint()}


def run_seeds(root_seed: int, n: int) -> list[int]:
    """Integer seeds of seed indices ``0 .. n-1``.

    Parameters
    ----------
    root_seed : int
        Non-negative root seed of the sweep.
    n : int
        Number of seeds.

    Returns
    -------
    list of int
        ``SeedSequence(root_seed).spawn(n)[s].generate_state(1)[0]`` for each ``s``;
        entry ``s`` does not depend on ``n``.
    """
    children = np.random.SeedSequence(int(root_seed)).spawn(int(n))
    return [int(c.generate_state(1)[0]) for c in children]


# ------------------------------------------------------------------------------ runs
@dataclass(frozen=True)
class Run:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep (points, then grid, then seeds vary fastest).
    point_index : int
        Index of the parameter point (seed replicates share it).
    values : dict
        Values of the swept parameters (dotted names).
    params : ModelParams
        The full parameter set.
    seed_index, seed : int
        Seed index in the sweep and the integer root seed derived from it.
    n_blocks : int
        Learning blocks.
    run_id : str
        Content hash (parameters, seed, blocks, metrics, package version and source
        fingerprint); the key of the sweep store.
    """

    index: int
    point_index: int
    values: dict[str, Any]
    params: ModelParams
    seed_index: int
    seed: int
    n_blocks: int
    run_id: str


def preflight(params: ModelParams, where: str) -> None:
    """Cross-parameter checks the simulator would only make at run time
    (:func:`sensorynet._runnable.check_runnable`), naming the sweep point ``where``."""
    try:
        check_runnable(params)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def run_memory_bytes(params: ModelParams, n_blocks: int) -> int:
    """Estimated peak memory of one sweep run, bytes.

    What :func:`sensorynet.experiments._published.check_published_fits` estimates for
    ``run_published(params, n_blocks=n_blocks, keep_snapshots=False)``, which is how a
    sweep runs it (weight snapshots are never kept in sweeps).
    """
    from .._memory import estimate_run_bytes
    test_steps = 2 * params.protocol.test_ms / params.network.dt
    return estimate_run_bytes(params, n_blocks=int(n_blocks), keep_snapshots=False,
                              extra_steps=test_steps)


def check_memory(runs: Iterable[Run], per_worker: float | None, budget: str) -> None:
    """Refuse runs that cannot fit in the memory of one worker, before any work.

    Parameters
    ----------
    runs : iterable of Run
    per_worker : int or None
        Memory available to one worker, bytes (None: unknown, nothing is refused).
    budget : str
        Where ``per_worker`` comes from (for the message).

    Raises
    ------
    sensorynet._memory.RunTooLarge
        (a ``ValueError``) naming the first point whose estimate exceeds
        ``FRACTION`` (80 %) of ``per_worker``, with the estimate and the budget.
    """
    from .._memory import FRACTION, RunTooLarge, format_bytes
    if per_worker is None:
        return
    bad: dict[int, tuple[Run, int]] = {}
    for r in runs:
        if r.point_index not in bad:
            est = run_memory_bytes(r.params, r.n_blocks)
            if est > FRACTION * per_worker:
                bad[r.point_index] = (r, est)
    if bad:
        r, est = next(iter(bad.values()))
        more = f"; {len(bad) - 1} other point(s) too" if len(bad) > 1 else ""
        raise RunTooLarge(
            f"sweep point {r.point_index} {r.values or '(base parameters)'} "
            f"(N={r.params.network.N}, {r.n_blocks} blocks) needs an estimated "
            f"{format_bytes(est)} of memory per run, more than {FRACTION:.0%} of the "
            f"{format_bytes(per_worker)} available per worker ({budget}){more}; refused "
            "before any work: use fewer workers, workers with more memory, a smaller "
            "network or fewer blocks")
