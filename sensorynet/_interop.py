"""Export to the neuroscience ecosystem: spike trains and results as Neo objects.

`Neo <https://neo.readthedocs.io>`_ is the common data model of Python
electrophysiology: Elephant analyses it, and Neo's ``NWBIO`` writes it to NWB files
(see ``docs/interop.md``). Neo is an optional dependency (from the sensorynet source
directory: ``pip install -e ".[neo]"``); this module imports it only when a conversion
is asked for.

Conventions: a spike in time step ``k`` (0-based) of a phase is placed at
``t = k·dt`` ms from the start of that phase; each phase (``"before"``,
``"block_000"``, …, ``"after"``) is one :class:`neo.Segment` whose spike trains run
from 0 to the phase's duration. Neurons keep their index, population (``"E"``/``"I"``)
and input preferred orientation (rad) as annotations.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._results import ExperimentResult, SpikeTrain

if TYPE_CHECKING:   # an optional dependency, imported where a conversion is asked for
    import neo

__all__ = ["spiketrain_to_neo", "result_to_neo"]


def _neo() -> tuple[Any, Any]:
    try:
        import neo
        import quantities as pq
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"exporting to Neo needs the optional dependency {exc.name!r}; install the neo "
            "extra from the sensorynet source directory: pip install -e '.[neo]'",
            name=exc.name) from None
    return neo, pq


def spiketrain_to_neo(train: SpikeTrain, *, name: str = "", po: ArrayLike | None = None,
                      neurons: ArrayLike | None = None) -> neo.Segment:
    """One simulated phase as a :class:`neo.Segment` with one spike train per neuron.

    Parameters
    ----------
    train : SpikeTrain
        Spikes of one phase (e.g. ``result.spikes["after"]``).
    name : str
        Name of the segment.
    po : ndarray (N,), optional
        Input preferred orientations, rad, stored as the annotation ``po_rad``.
    neurons : sequence of int, optional
        Which neurons to export (default all ``N``), in this order.

    Returns
    -------
    neo.Segment
        ``segment.spiketrains[i]`` holds the spike times (ms) of neuron ``neurons[i]``,
        annotated with ``neuron``, ``population`` and, if given, ``po_rad``.
    """
    if not isinstance(train, SpikeTrain):
        raise TypeError(f"train must be a sensorynet SpikeTrain, got {type(train).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    idx = np.arange(train.N) if neurons is None else np.asarray(neurons)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise TypeError("neurons must be a 1-D sequence of integer neuron indices")
    if idx.size and (idx.min() < 0 or idx.max() >= train.N):
        raise ValueError(f"neurons must lie in [0, {train.N}), got {idx.min()}..{idx.max()}")
    if po is not None:
        po = np.asarray(po, dtype=np.float64)
        if po.shape != (train.N,):
            raise ValueError(f"po must have shape ({train.N},), got {po.shape}")
    neo, pq = _neo()
    seg = neo.Segment(name=name)
    order = np.argsort(train.neurons, kind="stable")          # steps stay sorted per neuron
    starts = np.searchsorted(train.neurons[order], np.arange(train.N + 1))
    steps = train.steps[order]
    for n in idx.tolist():
        times = steps[starts[n]:starts[n + 1]] * train.dt
        st = neo.SpikeTrain(times, units=pq.ms, t_start=0.0 * pq.ms,
                            t_stop=train.duration_ms * pq.ms, name=f"neuron {n}")
        st.annotate(neuron=n, population="E" if n < train.n_exc else "I")
        if po is not None:
            st.annotate(po_rad=float(po[n]))
        seg.spiketrains.append(st)
    return seg


def result_to_neo(result: ExperimentResult, *, phases: Iterable[str] | None = None,
                  neurons: ArrayLike | None = None) -> neo.Block:
    """A whole experiment as a :class:`neo.Block`, one segment per phase.

    Parameters
    ----------
    result : ExperimentResult
    phases : str or sequence of str, optional
        Key(s) of ``result.spikes`` to export (default all, in their order).
    neurons : sequence of int, optional
        Neurons to export (default all).

    Returns
    -------
    neo.Block
        Annotated with the protocol, seed, ``N``, ``n_exc``, the package version and the
        parameters (as a JSON string, since Neo annotations hold plain values).
    """
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"result must be an ExperimentResult, got {type(result).__name__}")
    if phases is None:
        keys = list(result.spikes)
    elif isinstance(phases, str):          # one phase, not its letters
        keys = [phases]
    else:
        keys = list(phases)
        if not all(isinstance(k, str) for k in keys):
            raise TypeError(f"phases must be a phase name or a sequence of names, "
                            f"got {phases!r}")
    missing = [k for k in keys if k not in result.spikes]
    if missing:
        raise ValueError(f"phases {missing} are not in the result "
                         f"(it has {list(result.spikes)})")
    neo, _ = _neo()
    block = neo.Block(name=f"sensorynet {result.kind}")
    block.annotate(protocol=result.kind, seed=int(result.seed), N=int(result.N),
                   n_exc=int(result.n_exc), sensorynet_version=result.version,
                   params_json=json.dumps(result.params.to_dict(), sort_keys=True))
    for k in keys:
        train = result.spikes[k]
        if not isinstance(train, SpikeTrain):   # a learning block of which only counts were kept
            raise TypeError(f"phase {k!r} holds {type(train).__name__}, not a SpikeTrain: "
                            "its spike times were not kept")
        block.segments.append(spiketrain_to_neo(train, name=k, po=result.po,
                                                neurons=neurons))
    return block
