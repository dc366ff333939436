"""The validated entry point to the compiled core.

:func:`simulate` checks every argument, packs parameters into the flat arrays the
numba kernel takes (:mod:`sensorynet._kernels`), runs it and wraps the output in a
:class:`SimulationResult`. Nothing reaches numba unchecked.
"""
from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _kernels as K
from ._memory import check_fits
from ._params import ModelParams, NetworkParams, PlasticityParams
from ._results import SpikeTrain
from ._stimulus import PoissonInput
from ._types import Population
from ._validate import MAX_ABS_MV, _refuse_masked, check_weights
from ._weights import SparseWeights

__all__ = [
    "simulate",
    "SimulationResult",
    "epoch_steps",
    "EPOCH_LONG",
    "EPOCH_SHORT",
    "EPOCH_LONG_MAX_N",
    "check_simulated_weights",
    "MAX_COUNT",
    "start_compiled_code",
]

#: restart interval of the lazy-LTP prefix sums: long (compensated sums) while they fit
#: in cache, short beyond (memory traffic then dominates), steps; shortened further when
#: dt/τ_x is large (see :func:`epoch_steps`)
EPOCH_LONG, EPOCH_SHORT = 400, 100
#: largest network that uses the long epoch (and the compensated build)
EPOCH_LONG_MAX_N = 1000
#: dt/τ_x of the published parameters (the default of :func:`epoch_steps`)
_PUBLISHED_DT_OVER_TAU_X = NetworkParams().dt / PlasticityParams().tau_x


def _compensated(N: int) -> bool:
    """Whether networks of N neurons use the compensated kernel build (long epochs)."""
    return (EPOCH_LONG if N <= EPOCH_LONG_MAX_N else EPOCH_SHORT) > K.COMPENSATE_ABOVE


def epoch_steps(N: int, dt_over_tau_x: float = _PUBLISHED_DT_OVER_TAU_X) -> int:
    """Steps between restarts of the lazy-LTP prefix sums (:mod:`sensorynet._kernels`).

    Each restart flushes all pending LTP (a pass over every synapse). Up to
    ``EPOCH_LONG_MAX_N`` neurons, 400-step epochs with compensated sums (error of a
    flushed weight ~1e-20 relative although a_x^−400 ≈ 4e11) cost less than 4× more
    flushes; in larger networks the doubled prefix-sum traffic costs more than it saves
    (measured: ``benchmarks/``), so they use plain sums over 100-step epochs.

    Within an epoch of L steps the kernel rescales x̄ by up to a_x^−L = exp(L·dt/τ_x),
    which amplifies the rounding error of the prefix sums. The epoch is therefore
    capped so that

    * compensated sums (N <= ``EPOCH_LONG_MAX_N``): L·dt/τ_x <= 30
      (``_kernels.MAX_EPOCH_DECAY_COMPENSATED``; a_x^−L <= e^30 ≈ 1e13, relative error
      of a flushed increment <= ~5e-17);
    * plain sums (larger N): L·dt/τ_x <= 8 (``_kernels.MAX_EPOCH_DECAY_PLAIN``;
      a_x^−L <= e^8 ≈ 3e3, relative error <= ~3e-13);

    and L >= 1 (L = 1 flushes every step). At the published dt/τ_x = 1/15 the caps
    (450 and 120 steps) do not bind, so the lengths stay 400 and 100.

    Parameters
    ----------
    N : int
        Number of neurons.
    dt_over_tau_x : float
        ``network.dt / plasticity.tau_x`` (default: the published 1/15).

    Returns
    -------
    int
        The epoch length L, steps.
    """
    if _compensated(N):
        base, bound = EPOCH_LONG, K.MAX_EPOCH_DECAY_COMPENSATED
    else:
        base, bound = EPOCH_SHORT, K.MAX_EPOCH_DECAY_PLAIN
    if not dt_over_tau_x > 0 or not math.isfinite(dt_over_tau_x):
        raise ValueError(f"dt_over_tau_x must be finite and > 0, got {dt_over_tau_x!r}")
    cap = math.floor(bound / dt_over_tau_x)
    return int(max(1, min(base, cap)))


class SimulationResult:
    """Output of one simulated run.

    Attributes
    ----------
    spike_neurons, spike_steps : ndarray of int32
        Spike times as (neuron, step) pairs, sorted by step then neuron.
    W : ndarray (N, N) or SparseWeights
        Final weights (a new object; the input is never modified), mV.
    v_last : ndarray (N,)
        Membrane potential after the last step, mV.
    n_steps : int
        Number of simulated steps T.
    n_exc : int
        Number of excitatory neurons.
    dt : float
        Step, ms.
    recorded : dict or None
        With ``record=`` indices: ``"neurons"``, ``"v"`` (T×n), and for plastic runs
        ``"u_minus"``, ``"u_plus"``, ``"xbar"``, ``"vbar"`` (T×n each; mV, mV, 1/ms, mV).
    """

    spike_neurons: npt.NDArray[np.int32]
    spike_steps: npt.NDArray[np.int32]
    W: npt.NDArray[np.float64] | SparseWeights
    v_last: npt.NDArray[np.float64]
    n_steps: int
    n_exc: int
    dt: float
    recorded: dict[str, np.ndarray] | None

    def __init__(self, spike_neurons: npt.NDArray[np.int32],
                 spike_steps: npt.NDArray[np.int32],
                 W: npt.NDArray[np.float64] | SparseWeights, v_last: npt.NDArray[np.float64],
                 n_steps: int, n_exc: int, dt: float,
                 recorded: dict[str, np.ndarray] | None = None) -> None:
        self.spike_neurons = spike_neurons
        self.spike_steps = spike_steps
        self.W = W
        self.v_last = v_last
        self.n_steps = int(n_steps)
        self.n_exc = int(n_exc)
        self.dt = float(dt)
        self.recorded = recorded

    @property
    def N(self) -> int:
        return self.v_last.shape[0]

    @property
    def duration_ms(self) -> float:
        return self.n_steps * self.dt

    @property
    def spikes(self) -> SpikeTrain:
        """The spikes as a :class:`~sensorynet._results.SpikeTrain` (rates, PSTH)."""
        return SpikeTrain.from_result(self)

    def spike_counts(self) -> npt.NDArray[np.int64]:
        """Spikes per neuron, shape (N,)."""
        return np.bincount(self.spike_neurons, minlength=self.N)

    def rates(self) -> npt.NDArray[np.float64]:
        """Firing rate per neuron, Hz."""
        return self.spikes.rates()

    def population_rates(self) -> dict[Population, float]:
        """Mean rate of the E and I populations, Hz."""
        return self.spikes.population_rates()

    def __repr__(self) -> str:
        pr = self.population_rates()
        return (f"SimulationResult(N={self.N}, T={self.n_steps} steps, "
                f"{self.spike_neurons.size} spikes, rate E={pr['E']:.2f} Hz, "
                f"I={pr['I']:.2f} Hz)")


def constants(params: ModelParams, plastic: bool, n_exc: int, n_neurons: int
              ) -> tuple[np.record, np.record]:
    """The kernel's constants for a run of ``params``: two records with named fields.

    Parameters
    ----------
    params : ModelParams
    plastic : bool
        Whether the run applies the plasticity rule (if some pathway is plastic).
    n_exc : int
        Number of excitatory neurons.
    n_neurons : int
        N (chooses the epoch length, :func:`epoch_steps`).

    Returns
    -------
    nc, pc : numpy.record
        Of :data:`sensorynet._kernels.NEURON_CONSTANTS` and
        :data:`~sensorynet._kernels.PLASTICITY_CONSTANTS`.
    """
    net, pl = params.network, params.plasticity
    nc = K.constants_record(K.NEURON_CONSTANTS, decay=math.exp(-net.dt / net.tau_m),
                            theta=float(net.theta), dt=float(net.dt), n_exc=int(n_exc))
    pc = K.constants_record(
        K.PLASTICITY_CONSTANTS,
        plastic=bool(plastic and (pl.plastic_EE or pl.plastic_EI or pl.plastic_IE)),
        plastic_EE=bool(pl.plastic_EE), plastic_EI=bool(pl.plastic_EI),
        plastic_IE=bool(pl.plastic_IE), ltd_IE=bool(pl.ltd_IE), mask_IE=bool(pl.mask_IE),
        a_minus=math.exp(-net.dt / pl.tau_minus), a_plus=math.exp(-net.dt / pl.tau_plus),
        a_x=math.exp(-net.dt / pl.tau_x), tau_minus=float(pl.tau_minus),
        tau_plus=float(pl.tau_plus), tau_x=float(pl.tau_x), A_LTD=float(pl.A_LTD),
        A_LTP=float(pl.A_LTP), theta_minus=float(pl.theta_minus),
        theta_plus=float(pl.theta_plus), u_ref2=float(pl.u_ref2), w_max=float(pl.w_max),
        w_min_inh=float(pl.w_min_inh), vbar_window=int(pl.vbar_window),
        epoch=epoch_steps(n_neurons, net.dt / pl.tau_x))
    return nc, pc


# |weights| and |v_init| are bounded by params.MAX_ABS_MV mV, like the parameters
#: largest accepted input count per neuron and step (the kernel holds counts as int64)
MAX_COUNT = 2 ** 63 - 1


def _as_array(x: Any, name: str) -> np.ndarray[Any, Any]:
    """``np.asarray(x)``, refusing masked arrays and ragged sequences."""
    _refuse_masked(x, name)
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular numeric array ({exc})") from None


def check_simulated_weights(W: npt.NDArray[np.float64] | SparseWeights, N_E: int,
                            params: ModelParams, plastic: bool) -> None:
    """:func:`~sensorynet._validate.check_weights` as a simulation needs it: finite,
    ``|w| <= MAX_ABS_MV`` mV, excitatory rows >= 0, inhibitory rows <= 0, and in
    plastic runs within the plasticity bounds (I→E only if I→E is plastic)."""
    pl = params.plasticity
    check_weights(W, strict=True, n_exc=N_E, max_abs=MAX_ABS_MV,
                  bounds=(pl.w_max, pl.w_min_inh if pl.plastic_IE else None) if plastic
                  else None)


def _check_inputs(inputs: Any, N: int, time_major: bool
                  ) -> np.ndarray[Any, Any] | PoissonInput:
    if isinstance(inputs, PoissonInput):
        if inputs.N != N:
            raise ValueError(f"inputs is a PoissonInput for N={inputs.N} neurons, "
                             f"but W has N={N}")
        return inputs
    x = _as_array(inputs, "inputs")
    is_int = np.issubdtype(x.dtype, np.integer)
    is_float = np.issubdtype(x.dtype, np.floating)
    if x.dtype == np.bool_ or not (is_int or is_float):
        raise TypeError(f"inputs must hold integer counts, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"inputs must be a 2-D array of counts (N×T), got shape {x.shape}")
    if is_float:
        if not np.all(np.isfinite(x)):
            raise ValueError("inputs must be finite counts, found NaN or inf")
        if not np.all(x == np.floor(x)):
            raise TypeError(f"inputs must hold integer counts, got non-integral values "
                            f"of dtype {x.dtype}")
    xt = x if time_major else x.T
    if xt.shape[1] != N:
        lay = "T×N (time_major=True)" if time_major else "N×T"
        raise ValueError(f"inputs must have shape {lay} with N={N} neurons, got {x.shape}")
    if xt.shape[0] < 1:
        raise ValueError("inputs must cover at least one step")
    if x.size and x.min() < 0:
        raise ValueError("inputs must be non-negative counts")
    mx = x.max() if x.size else 0
    if (is_float and float(mx) >= 2.0 ** 63) or (is_int and int(mx) > MAX_COUNT):
        raise ValueError(f"inputs: counts must lie in [0, 2**63 - 1] (int64 in the kernel), "
                         f"found {mx!r}")
    if mx > 255:
        xt = np.ascontiguousarray(xt, dtype=np.int64)   # rare: large counts
        return xt
    return np.ascontiguousarray(xt, dtype=np.uint8)


def _choose_kernel(threads: Any, n_neurons: int) -> tuple[Any, int]:
    """The kernel build and the number of column chunks for ``threads`` threads."""
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise TypeError(f"threads must be a positive integer, got {threads!r}")
    compensated = _compensated(n_neurons)
    if threads == 1:
        return K.KERNELS[(False, compensated)], 1
    import numba
    threads = int(threads)
    n_max: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    if not 1 <= threads <= n_max:
        raise ValueError(f"threads must lie in 1..{n_max} "
                         f"(NUMBA_NUM_THREADS), got {threads}")
    numba.set_num_threads(int(threads))
    return K.KERNELS[(True, compensated)], int(threads)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C during a compiled kernel surfaces as ``SystemError`` ("returned a result
    with an exception set") once the kernel returns: raise the KeyboardInterrupt it
    carries, so callers see an interrupt and not a failure."""
    try:
        yield
    except SystemError as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, KeyboardInterrupt):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise KeyboardInterrupt from None
        raise


def simulate(W: npt.NDArray[np.float64] | SparseWeights,
             inputs: npt.ArrayLike | PoissonInput, *, plastic: bool,
             params: ModelParams | None = None, v_init: npt.ArrayLike | None = None,
             record: npt.ArrayLike | None = None, time_major: bool = False,
             threads: int = 1) -> SimulationResult:
    """Simulate the network for T steps of dt (docs/model.md §3, and §4 if plastic).

    Parameters
    ----------
    W : ndarray (N, N) float64 or SparseWeights
        Weights ``W[pre, post]``, mV. Rows ``0..N_E-1`` (excitatory) must be >= 0, the
        other rows <= 0. Never modified. With SparseWeights only stored synapses exist:
        ``mask_IE=False`` can then fill stored zeros but not create entries.
    inputs : ndarray of non-negative integers, or PoissonInput
        Feed-forward input counts (each adds 1 mV): shape (N, T), or (T, N) with
        ``time_major=True``; or a :class:`~sensorynet._stimulus.PoissonInput`, which the
        kernel generates on the fly (no N×T array is ever built).
    plastic : bool
        Apply the plasticity rule (docs/model.md §4) with the switches of
        ``params.plasticity``.
    params : ModelParams, optional
        Default ``ModelParams()`` resized to N; if given, ``params.network.N`` must
        equal N. N_E is ``round(f_exc·N)``.
    v_init : ndarray (N,), optional
        Initial membrane potential, mV (default 0).
    record : array of int, optional
        Neurons whose v (and, if plastic, traces) are recorded every step.
    time_major : bool
        ``inputs`` array is laid out (T, N).
    threads : int
        Numba threads. 1 (default) runs the serial kernel; more runs the ``prange``
        build, which pays only for large networks (see ``benchmarks/``). Spikes and
        weights are identical for any number of threads.

    Returns
    -------
    SimulationResult
        ``.spike_neurons``, ``.spike_steps`` (sorted by step then neuron), ``.W``
        (new array), ``.v_last``.

    Examples
    --------
    >>> import numpy as np
    >>> import sensorynet as sn
    >>> p = sn.ModelParams().replace(**{"network.N": 50})
    >>> net = sn.build_network(p.network, seed=0)
    >>> inputs = sn.stimulus_input([np.pi / 2], 100, net.po, net.n_exc, seed=1)
    >>> out = sn.simulate(net.W, inputs, plastic=True, params=p)
    >>> out.v_last.shape, out.W.shape
    ((50,), (50, 50))
    """
    if not isinstance(plastic, (bool, np.bool_)):
        raise TypeError(f"plastic must be True or False, got {plastic!r}")
    plastic = bool(plastic)
    if not isinstance(time_major, (bool, np.bool_)):
        raise TypeError(f"time_major must be True or False, got {time_major!r}")
    time_major = bool(time_major)
    N = check_weights(W, strict=True, values=False).shape[0]   # values once N_E is known
    if N < 2:
        raise ValueError(f"W must describe at least 2 neurons, got N={N}")
    if params is None:
        params = ModelParams(network=NetworkParams(N=N))
    elif not isinstance(params, ModelParams):
        raise TypeError(f"params must be a ModelParams, got {type(params).__name__}")
    elif params.network.N != N:
        raise ValueError(f"params.network.N={params.network.N} does not match W ({N}×{N})")
    N_E = params.network.N_E
    check_simulated_weights(W, N_E, params, plastic)
    x = _check_inputs(inputs, N, time_major)
    if v_init is None:
        v0 = np.zeros(N)
    else:
        v0 = _as_array(v_init, "v_init")
        if v0.dtype == np.bool_ or not (np.issubdtype(v0.dtype, np.integer)
                                        or np.issubdtype(v0.dtype, np.floating)):
            raise TypeError(f"v_init must be a real array (mV), got dtype {v0.dtype}")
        if v0.shape != (N,):
            raise ValueError(f"v_init must have shape ({N},), got {v0.shape}")
        v0 = v0.astype(np.float64)
        if not np.all(np.isfinite(v0)):
            raise ValueError("v_init must be finite")
        if np.any(np.abs(v0) > MAX_ABS_MV):
            raise ValueError(f"v_init must lie in [-{MAX_ABS_MV:g}, {MAX_ABS_MV:g}] mV, "
                             f"found {v0[np.argmax(np.abs(v0))]:g}")
        v0 = np.ascontiguousarray(v0)
    if record is None:
        rec = np.zeros(0, np.int64)
    else:
        rec = _as_array(record, "record")
        if rec.ndim != 1 or not np.issubdtype(rec.dtype, np.integer):
            raise TypeError("record must be a 1-D array of neuron indices")
        if rec.size and (rec.min() < 0 or rec.max() >= N):
            raise ValueError(f"record indices must lie in 0..{N - 1}")
        rec = rec.astype(np.int64)

    T = x.n_steps if isinstance(x, PoissonInput) else x.shape[0]
    if rec.size:     # recorded traces are T x n doubles (v, and 4 traces if plastic)
        check_fits(8 * T * rec.size * (5 if plastic else 1),
                   f"recording {rec.size} neurons for {T} steps")
    kernel, n_chunks = _choose_kernel(threads, N)
    nc, pc = constants(params, plastic, N_E, N)
    unmasked_ie = plastic and params.plasticity.plastic_IE and not params.plasticity.mask_IE
    if isinstance(W, SparseWeights):
        indptr, indices, data = W.indptr, W.indices, W.data.copy()
    else:
        indptr, indices, data = K.dense_to_csr(np.ascontiguousarray(W),
                                               N_E if unmasked_ie else N, N_E)
    if isinstance(x, PoissonInput):
        if x.dt != params.network.dt:
            raise ValueError(f"inputs was generated for dt={x.dt} ms but "
                             f"params.network.dt={params.network.dt} ms")
        mu, expm = x.kernel_tables()
        drive = K.Drive(np.zeros((0, N), np.uint8), mu, expm, int(x.segment_steps),
                        np.uint64(x.key))
    else:
        dummy = np.zeros((1, N))
        drive = K.Drive(x, dummy, dummy, 1, np.uint64(0))
    with _interruptible():
        sp_n, sp_k, v_last, rec_v, rec_tr = K.run_kernel(
            kernel, _compensated(N), K.csr_bundle(indptr, indices, data, N_E), drive, nc,
            pc, T, v0, rec, n_chunks)
    W_out: npt.NDArray[np.float64] | SparseWeights
    if isinstance(W, SparseWeights):
        W_out = W.with_data(data)
    else:
        W_out = np.zeros((N, N))
        K.csr_to_dense(indptr, indices, data, N, W_out)
    recorded = None
    if rec.size:
        recorded = {"neurons": rec, "v": rec_v}
        if plastic:
            for q, name in enumerate(("u_minus", "u_plus", "xbar", "vbar")):
                recorded[name] = np.ascontiguousarray(rec_tr[:, :, q])
    return SimulationResult(sp_n, sp_k, W_out, v_last, T, N_E, params.network.dt,
                            recorded)


def start_compiled_code() -> None:
    """Start numba's runtime in this process now, from its cache (no compilation).

    The first compiled call of a process pays a one-time start-up of ~0.3 s (numba's
    target context, Python-bound); :func:`sensorynet._reproduce.reproduce` calls this
    first so that its figure imports run in a thread during the simulation itself,
    whose kernels release the GIL, instead of competing with the start-up.
    """
    # the signature every simulation uses, so the cached code is loaded, not compiled
    K.row_split(np.zeros(1, np.int64), np.zeros(0, np.int32), np.int64(0),
                np.zeros(0, np.int64))
