"""The balanced state of the naive network (notebook 01): one seeded test run with and
without recurrent connections, the feed-forward / recurrent E / recurrent I input of every
neuron at every step, ISI irregularity, and a check of the exact update rule against
recorded traces (:func:`update_residual`).

Units: mV, ms, Hz; angles in rad unless a name ends in ``_deg``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from .._arrays import bin_mean
from .._network import Network, build_network
from .._params import ModelParams
from .._simulation import SimulationResult, simulate
from .._stimulus import PoissonInput, stimulus_input
from .._types import FloatArray, IntArray
from .._validate import check_params
from ..analysis import isi_cv
from ._seeds import STREAM_NETWORK, STREAM_TEST, seed_sequence

__all__ = [
    "input_components",
    "BalancedState",
    "balanced_state",
    "update_residual",
]

#: which run of a :class:`BalancedState`: the network, or its neurons unconnected
Run = Literal["coupled", "uncoupled"]


def input_components(result: SimulationResult, W: ArrayLike, inputs: PoissonInput
                     ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Feed-forward, recurrent excitatory and recurrent inhibitory input per step.

    Reconstructed exactly from the spikes (docs/model.md §3): at step k neuron j receives
    the input count ``x_k[j]`` and ``Σ_pre s_{k-1}[pre] W[pre, j]``, split into E and I
    presynaptic neurons.

    Parameters
    ----------
    result : SimulationResult
        A static run.
    W : ndarray (N, N)
        The weights of that run, mV.
    inputs : PoissonInput
        The input of that run.

    Returns
    -------
    ff, rec_E, rec_I : ndarray (T, N)
        Input in mV per step (dt = 1 ms, so mV/ms).
    """
    T, N, ne = result.n_steps, result.N, result.n_exc
    S = np.zeros((T, N))
    keep = result.spike_steps < T - 1
    S[result.spike_steps[keep] + 1, result.spike_neurons[keep]] = 1.0   # one-step delay
    W = np.asarray(W, dtype=np.float64)
    ff = inputs.counts(time_major=True).astype(np.float64)
    return ff, S[:, :ne] @ W[:ne], S[:, ne:] @ W[ne:]


class BalancedState:
    """One seeded static run of the naive network, with and without recurrence.

    Attributes
    ----------
    params : ModelParams
    net : Network
    theta : float, stimulus orientation, rad
    coupled, uncoupled : SimulationResult
        The network run (W0) and the same neurons with W = 0 (same input), with the
        membrane potential of ``record`` neurons recorded.
    record : ndarray of int
    ff, rec_E, rec_I : ndarray (T, N)
        Input per step of the coupled run (mV/ms), see :func:`input_components`.
    seed : int or None
        Root seed of network and input.
    """

    def __init__(self, params: ModelParams, net: Network, theta: float,
                 coupled: SimulationResult, uncoupled: SimulationResult, record: IntArray,
                 ff: FloatArray, rec_E: FloatArray, rec_I: FloatArray,
                 seed: int | None = None) -> None:
        self.params, self.net, self.theta, self.seed = params, net, theta, seed
        self.coupled, self.uncoupled, self.record = coupled, uncoupled, record
        self.ff, self.rec_E, self.rec_I = ff, rec_E, rec_I

    @property
    def n_exc(self) -> int:
        """Number of excitatory neurons."""
        return self.net.n_exc

    def cv(self, which: Run = "coupled") -> FloatArray:
        """ISI coefficient of variation per neuron (NaN with fewer than 3 spikes)."""
        r = self.coupled if which == "coupled" else self.uncoupled
        return isi_cv(r.spike_neurons, r.spike_steps, r.N)

    def voltage(self, neuron: int, which: Run = "coupled") -> FloatArray:
        """Recorded membrane potential (mV) of a recorded neuron, shape (T,)."""
        hit = np.flatnonzero(self.record == neuron)
        if hit.size == 0:
            raise ValueError(f"neuron {neuron} was not recorded")
        r = self.coupled if which == "coupled" else self.uncoupled
        assert r.recorded is not None       # simulated with record=self.record
        return r.recorded["v"][:, hit[0]]

    def summary(self) -> dict[str, Any]:
        """Rates (Hz), ISI CV and mean input components (mV/ms), E and I populations."""
        ne = self.n_exc
        out: dict[str, Any] = {}
        runs: tuple[tuple[Run, SimulationResult], ...] = (("coupled", self.coupled),
                                                         ("uncoupled", self.uncoupled))
        for which, r in runs:
            cv = self.cv(which)
            out[which] = {"rate": r.population_rates(),
                          "cv": {"E": float(np.nanmean(cv[:ne])),
                                 "I": float(np.nanmean(cv[ne:]))}}
        exc = (self.ff + self.rec_E).mean()
        inh = self.rec_I.mean()
        out["input"] = {"ff": float(self.ff.mean()), "rec_E": float(self.rec_E.mean()),
                        "rec_I": float(inh), "net": float(exc + inh),
                        "net_over_exc": float((exc + inh) / exc)}
        # temporal tracking: population-mean E and I input in 5 ms bins
        e, i = bin_mean(self.ff + self.rec_E, 5).mean(1), bin_mean(self.rec_I, 5).mean(1)
        out["input"]["ei_correlation_5ms"] = float(np.corrcoef(e, -i)[0, 1])
        return out


def update_residual(state: BalancedState, neuron: int, which: Run = "uncoupled") -> float:
    """Largest deviation of a recorded trace from the exact update rule (docs/model.md §3).

    On every step k ≥ 1 at which ``neuron`` did not spike, the recorded potential must
    equal ``B·v_{k−1} + x_k (+ recurrent input)`` with ``B = exp(−dt/τ_m)``; this returns
    the maximum absolute difference (mV) over those steps. The uncoupled run has no
    recurrent term and agrees bit for bit (0.0); for the coupled run the recurrent sum is
    reconstructed in a different order, so agreement is to rounding (~1e-14 mV).
    """
    net = state.params.network
    B = np.exp(-net.dt / net.tau_m)
    r = state.coupled if which == "coupled" else state.uncoupled
    v = state.voltage(neuron, which)
    pred = B * v[:-1] + state.ff[1:, neuron]
    if which == "coupled":
        pred = pred + (state.rec_E[1:, neuron] + state.rec_I[1:, neuron])
    spiked = np.zeros(r.n_steps, bool)
    spiked[r.spike_steps[r.spike_neurons == neuron]] = True
    ok = ~spiked[1:]
    return float(np.max(np.abs(v[1:][ok] - pred[ok]))) if ok.any() else float("nan")


def balanced_state(params: ModelParams | None = None, seed: int = 0, *,
                   theta: float = np.pi / 2, duration_ms: float = 2000,
                   record: Sequence[int] | ArrayLike = (200, 450)) -> BalancedState:
    """Run the naive network of ``seed`` on a tuned test input (the *Before* test).

    Network and input come from the same seed streams as
    :func:`sensorynet.run_published`, so with the defaults this is exactly its
    ``"before"`` phase. The same input is also given to unconnected neurons (W = 0).

    Parameters
    ----------
    params : ModelParams, optional
    seed : int
        Root seed (network and input streams of :func:`sensorynet.run_published`).
    theta : float
        Stimulus orientation, rad.
    duration_ms : float
        Duration of the run, ms.
    record : sequence of int
        Neurons whose membrane potential is recorded.

    Returns
    -------
    BalancedState
    """
    p = check_params(params)
    net = build_network(p.network, seed_sequence(seed, STREAM_NETWORK))
    inp = stimulus_input([theta], duration_ms, net.po, net.n_exc,
                         seed_sequence(seed, STREAM_TEST), p.input, p.network.dt)
    rec = np.asarray(record, dtype=np.int64)
    coupled = simulate(net.W, inp, plastic=False, params=p, record=rec)
    uncoupled = simulate(np.zeros_like(net.W), inp, plastic=False, params=p, record=rec)
    ff, rE, rI = input_components(coupled, net.dense_W(), inp)
    return BalancedState(p, net, float(theta), coupled, uncoupled, rec, ff, rE, rI, int(seed))


# ------------------------------------------------------------------------- figures
