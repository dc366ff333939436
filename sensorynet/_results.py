"""Result containers: spike trains of one phase, and a whole experiment."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._params import ModelParams
from ._types import FloatArray, IntArray, PathArg, Population
from ._weights import SparseWeights

if TYPE_CHECKING:   # an optional dependency, imported where a conversion is asked for
    import neo

__all__ = ["SpikeTrain", "SpikeCounts", "ExperimentResult", "CSRSnapshots",
           "SpikeSource", "snapshot_arrays", "snapshots_from_arrays"]


class SpikeSource(Protocol):
    """The spikes of one simulated phase as :func:`sensorynet.simulate` returns them
    (a :class:`~sensorynet.SimulationResult`, which imports this module)."""

    @property
    def spike_neurons(self) -> IntArray: ...
    @property
    def spike_steps(self) -> IntArray: ...
    @property
    def n_steps(self) -> int: ...
    @property
    def N(self) -> int: ...
    @property
    def n_exc(self) -> int: ...
    @property
    def dt(self) -> float: ...


class CSRSnapshots:
    """Weights after each block, stored compactly on one CSR structure.

    ``data[b]`` (a list of arrays) holds the synapse weights of ``structure`` after
    block b. A dense
    stack is built only when asked for (:meth:`dense`), so learning runs do not pay
    for 40 dense N×N copies they may never read.
    """

    def __init__(self, structure: SparseWeights, data: Iterable[FloatArray]) -> None:
        self.structure = structure
        self.data = list(data)     # one weight array per block, not stacked (no copy)

    def __len__(self) -> int:
        return len(self.data)

    def weights(self, b: int) -> SparseWeights:
        """Weights after block ``b`` as :class:`~sensorynet._weights.SparseWeights`."""
        return self.structure.with_data(self.data[b])

    def dense(self) -> FloatArray:
        """All blocks as one dense stack (n_blocks, N, N), mV."""
        from . import _network_kernel as _K
        s = self.structure
        out = np.empty((len(self), s.N, s.N))
        for b, d in enumerate(self.data):
            _K.csr_to_dense_fill(s.indptr, s.indices, d, s.N, out[b])
        return out


class SpikeTrain:
    """Spikes of one simulated phase, as (neuron, step) index pairs.

    Attributes
    ----------
    neurons, steps : ndarray of int32, sorted by step then neuron
    n_steps : int
    N, n_exc : int
    dt : float, ms
    """

    def __init__(self, neurons: ArrayLike, steps: ArrayLike, n_steps: int, N: int, n_exc: int,
                 dt: float = 1.0) -> None:
        self.neurons = np.asarray(neurons, dtype=np.int32)
        self.steps = np.asarray(steps, dtype=np.int32)
        self.n_steps = int(n_steps)
        self.N = int(N)
        self.n_exc = int(n_exc)
        self.dt = float(dt)

    @classmethod
    def from_result(cls, res: SpikeSource) -> SpikeTrain:
        """From a :class:`~sensorynet.SimulationResult`."""
        return cls(res.spike_neurons, res.spike_steps, res.n_steps, res.N, res.n_exc, res.dt)

    @property
    def duration_ms(self) -> float:
        """Duration of the phase, ms."""
        return self.n_steps * self.dt

    def rates(self) -> FloatArray:
        """Rate per neuron, Hz."""
        return np.bincount(self.neurons, minlength=self.N) / (self.duration_ms / 1000.0)

    def population_rates(self) -> dict[Population, float]:
        """Mean E and I rate, Hz."""
        r = self.rates()
        return {"E": float(r[:self.n_exc].mean()), "I": float(r[self.n_exc:].mean())}

    def psth(self, bin_ms: float = 10.0, population: Population = "E"
             ) -> tuple[FloatArray, FloatArray]:
        """Population rate histogram: (bin_starts_ms, rate_Hz per neuron)."""
        if population not in ("E", "I"):
            raise ValueError(f"population must be 'E' or 'I', got {population!r}")
        if not bin_ms > 0:
            raise ValueError(f"bin_ms must be > 0, got {bin_ms}")
        sel = self.neurons < self.n_exc if population == "E" else self.neurons >= self.n_exc
        n_pop = self.n_exc if population == "E" else self.N - self.n_exc
        edges = np.arange(0.0, self.duration_ms + bin_ms, bin_ms)
        counts, _ = np.histogram(self.steps[sel] * self.dt, bins=edges)
        return edges[:-1], counts / n_pop / (bin_ms / 1000.0)

    def to_neo(self, *, name: str = "", po: ArrayLike | None = None,
               neurons: ArrayLike | None = None) -> neo.Segment:
        """This phase as a :class:`neo.Segment` (docs/interop.md)."""
        from ._interop import spiketrain_to_neo
        return spiketrain_to_neo(self, name=name, po=po, neurons=neurons)

    def __repr__(self) -> str:
        pr = self.population_rates()
        return (f"SpikeTrain({self.neurons.size} spikes, {self.duration_ms:g} ms, "
                f"E={pr['E']:.2f} Hz, I={pr['I']:.2f} Hz)")


class SpikeCounts:
    """Spike count per neuron of one phase: the rates of a :class:`SpikeTrain` without
    its spike list (kept where only rates are read, e.g. the learning blocks of the
    ablation runs, whose spike lists can reach gigabytes at large N).

    Attributes
    ----------
    counts : ndarray (N,) of int64
    n_steps, N, n_exc : int
    dt : float, ms
    """

    def __init__(self, counts: ArrayLike, n_steps: int, N: int, n_exc: int, dt: float = 1.0
                 ) -> None:
        self.counts = np.asarray(counts, dtype=np.int64)
        self.n_steps, self.N, self.n_exc = int(n_steps), int(N), int(n_exc)
        self.dt = float(dt)

    @classmethod
    def from_result(cls, res: SpikeSource) -> SpikeCounts:
        """From a :class:`~sensorynet.SimulationResult`."""
        return cls(np.bincount(res.spike_neurons, minlength=res.N), res.n_steps, res.N,
                   res.n_exc, res.dt)

    @property
    def duration_ms(self) -> float:
        """Duration of the phase, ms."""
        return self.n_steps * self.dt

    def rates(self) -> FloatArray:
        """Rate per neuron, Hz (the numbers of :meth:`SpikeTrain.rates`)."""
        return self.counts / (self.duration_ms / 1000.0)

    def population_rates(self) -> dict[Population, float]:
        """Mean E and I rate, Hz."""
        r = self.rates()
        return {"E": float(r[:self.n_exc].mean()), "I": float(r[self.n_exc:].mean())}

    def __repr__(self) -> str:
        pr = self.population_rates()
        return (f"SpikeCounts({int(self.counts.sum())} spikes, {self.duration_ms:g} ms, "
                f"E={pr['E']:.2f} Hz, I={pr['I']:.2f} Hz)")


class ExperimentResult:
    """Everything one protocol run produced.

    Attributes
    ----------
    kind : str
        Protocol name (``"published"``, ``"spontaneous"``, ``"cardinal"``, ...).
    params : ModelParams
    seed : int
    po : ndarray (N,), input preferred orientations, rad
    n_exc : int
    W0 : ndarray (N, N) or SparseWeights, weights at the start, mV
    W : same type, weights at the end, mV
    W_blocks : ndarray (n_blocks, N, N), or (n_blocks, nnz) for sparse W, or None
        Weights after each plastic block (None when snapshots were not kept). May be
        passed as :class:`CSRSnapshots`; the dense stack is then built on first access.
    block_thetas : ndarray (n_blocks, n_stimuli) or None
        Orientations of each plastic block, rad (None for untuned input).
    test_thetas : ndarray or None
        Orientation(s) of the before/after test, rad.
    spikes : dict[str, SpikeTrain or SpikeCounts]
        ``"before"``, ``"block_000"`` ... , ``"after"`` (those that were run); learning
        blocks may hold only spike counts (:class:`SpikeCounts`, same rates).
    extra : dict
        Protocol-specific JSON-serialisable metadata.
    """

    def __init__(self, kind: str, params: ModelParams, seed: int, po: FloatArray, n_exc: int,
                 W0: FloatArray | SparseWeights, W: FloatArray | SparseWeights,
                 W_blocks: FloatArray | CSRSnapshots | None, block_thetas: FloatArray | None,
                 test_thetas: FloatArray | None,
                 spikes: Mapping[str, SpikeTrain | SpikeCounts],
                 extra: Mapping[str, Any] | None = None, version: str | None = None) -> None:
        if not isinstance(params, ModelParams):
            raise TypeError("params must be a ModelParams")
        self.kind = str(kind)
        self.params = params
        self.seed = int(seed)
        self.po = po
        self.n_exc = int(n_exc)
        self.W0 = W0
        self.W = W
        self._W_blocks: FloatArray | CSRSnapshots | None = W_blocks
        self.block_thetas = block_thetas
        self.test_thetas = test_thetas
        self.spikes: dict[str, SpikeTrain | SpikeCounts] = dict(spikes)
        self.extra: dict[str, Any] = dict(extra or {})
        if version is None:
            from ._version import __version__ as version
        self.version = str(version)

    @property
    def N(self) -> int:
        """Number of neurons."""
        return self.po.size

    @property
    def W_blocks(self) -> FloatArray | None:
        """Weights after each plastic block (see the class docstring); a dense stack
        is built here on first access from :class:`CSRSnapshots`."""
        if isinstance(self._W_blocks, CSRSnapshots):
            self._W_blocks = self._W_blocks.dense()
        return self._W_blocks

    @property
    def n_blocks(self) -> int:
        """Number of plastic blocks run."""
        return sum(1 for k in self.spikes if k.startswith("block_"))

    @property
    def is_sparse(self) -> bool:
        """Whether the weights are stored as :class:`~sensorynet.SparseWeights`."""
        return isinstance(self.W, SparseWeights)

    def block_spikes(self, b: int) -> SpikeTrain | SpikeCounts:
        """Spikes of plastic block ``b`` (0-based); only their counts when the run
        kept no spike lists of its blocks."""
        if not 0 <= b < self.n_blocks:
            raise IndexError(f"block {b} out of range 0..{self.n_blocks - 1}")
        return self.spikes[f"block_{b:03d}"]

    @property
    def n_snapshots(self) -> int:
        """Number of per-block weight snapshots kept (0 when none), without building
        a dense stack."""
        return 0 if self._W_blocks is None else len(self._W_blocks)

    def block_weights(self, b: int) -> FloatArray | SparseWeights:
        """Weights after block ``b`` in their compact form: SparseWeights for CSR
        snapshots and sparse results, the dense array of that block otherwise. Never
        densifies the other blocks."""
        if self._W_blocks is None:
            raise ValueError("this result kept no per-block weight snapshots")
        if not 0 <= b < len(self._W_blocks):
            raise IndexError(f"block {b} out of range 0..{len(self._W_blocks) - 1}")
        wb = self._W_blocks
        if isinstance(wb, CSRSnapshots):
            return wb.weights(b)
        if isinstance(self.W0, SparseWeights):
            return self.W0.with_data(wb[b])
        return wb[b]

    def weights_after_block(self, b: int) -> FloatArray:
        """Dense weights after block ``b`` (``-1``: the initial W0)."""
        if b == -1:
            return self.dense(self.W0)
        if self._W_blocks is None:
            raise ValueError("this result kept no per-block weight snapshots")
        if not 0 <= b < len(self._W_blocks):
            raise IndexError(f"block {b} out of range 0..{len(self._W_blocks) - 1}")
        wb = self._W_blocks
        if isinstance(wb, CSRSnapshots):   # one block: no need to densify all
            return wb.structure.to_dense(wb.data[b])
        if isinstance(self.W0, SparseWeights):
            return self.W0.with_data(wb[b]).to_dense()
        return wb[b]

    @staticmethod
    def dense(W: FloatArray | SparseWeights) -> FloatArray:
        """``W`` as a dense array (a copy when sparse)."""
        return W.to_dense() if isinstance(W, SparseWeights) else W

    def learning_rates(self, population: Population = "E") -> FloatArray:
        """Mean rate of a population in each plastic block, Hz."""
        return np.array([self.block_spikes(b).population_rates()[population]
                         for b in range(self.n_blocks)])

    def to_neo(self, *, phases: Iterable[str] | None = None,
               neurons: ArrayLike | None = None) -> neo.Block:
        """The result as a :class:`neo.Block` (docs/interop.md)."""
        from ._interop import result_to_neo
        return result_to_neo(self, phases=phases, neurons=neurons)

    def __repr__(self) -> str:
        parts = [f"kind={self.kind!r}", f"N={self.N}", f"seed={self.seed}",
                 f"blocks={self.n_blocks}"]
        for ph in ("before", "after"):
            if ph in self.spikes:
                pr = self.spikes[ph].population_rates()
                parts.append(f"{ph}: E={pr['E']:.2f} Hz I={pr['I']:.2f} Hz")
        return "ExperimentResult(" + ", ".join(parts) + ")"


# ------------------------------------------------------- snapshots in result files
def snapshot_arrays(result: ExperimentResult) -> dict[str, NDArray[Any]]:
    """Per-block snapshots of ``result`` as arrays for a result file (format 2).

    ``"W_blocks"``: the CSR data of every block, shape (n_blocks, nnz, 1) -- never a
    dense N×N per block. Plasticity keeps pruned synapses as explicit zeros, so one
    structure serves every block: W0's for sparse results (not stored again), else
    ``"W_blocks.indptr"`` / ``"W_blocks.indices"`` (the snapshots' own structure, or
    the union of the nonzero entries of W0 and a dense stack).
    """
    wb = result._W_blocks
    if wb is None:
        return {}
    if isinstance(wb, CSRSnapshots):
        st = wb.structure
        data = np.stack(wb.data) if len(wb) else np.zeros((0, st.nnz))
        out: dict[str, NDArray[Any]] = {"W_blocks.indptr": st.indptr,
                                        "W_blocks.indices": st.indices}
    elif result.is_sparse:
        data, out = np.asarray(wb), {}
    else:
        wb = np.asarray(wb)
        rows, cols = np.nonzero((wb != 0).any(axis=0) | (np.asarray(result.W0) != 0))
        indptr = np.zeros(result.N + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=result.N), out=indptr[1:])
        out = {"W_blocks.indptr": indptr, "W_blocks.indices": cols.astype(np.int32)}
        data = wb[:, rows, cols]
    out["W_blocks"] = np.asarray(data, dtype=np.float64)[:, :, None]
    return out


def snapshots_from_arrays(arrays: Mapping[str, NDArray[Any]], wb: NDArray[Any] | None,
                          W: FloatArray | SparseWeights, nnz: int | None, format_version: int,
                          path: PathArg) -> FloatArray | CSRSnapshots | None:
    """``W_blocks`` of a loaded result file, validated (``ValueError`` naming ``path``).

    Format 2: (n_blocks, nnz) data for sparse results, :class:`CSRSnapshots` (dense
    stack built only on access) for dense ones. Format 1: the stored array as it is,
    (n_blocks, N, N) or (n_blocks, nnz).
    """
    if wb is None:
        return None
    N = W.N if isinstance(W, SparseWeights) else W.shape[0]
    bad = ValueError(f"{path}: damaged result file, W_blocks has shape {wb.shape}")
    if format_version < 2:
        if not (wb.ndim == 3 and wb.shape[1:] == (N, N)
                or nnz is not None and wb.ndim == 2 and wb.shape[1] == nnz):
            raise bad
        return wb
    if isinstance(W, SparseWeights):
        st = W
    else:
        try:
            idx = arrays["W_blocks.indices"]
            st = SparseWeights(arrays["W_blocks.indptr"], idx, np.zeros(idx.shape), N)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}: damaged result file, W_blocks structure "
                             f"({exc})") from None
    if wb.ndim != 3 or wb.shape[1:] != (st.nnz, 1):
        raise bad
    data = wb[:, :, 0]
    return data if isinstance(W, SparseWeights) else CSRSnapshots(st, list(data))
