"""The readable model: a slow numpy transcription of docs/model.md §3–4.

One line per equation, dense N×N weights, every step spelled out. This is the test
oracle for the compiled core (``sensorynet._kernels``), the baseline of the
benchmarks, and the place to read the model. It does not validate its inputs: call it
through :func:`sensorynet.simulate` style checks or pass sane arrays.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._params import ModelParams
from ._types import FloatArray

__all__ = ["simulate_reference"]


def simulate_reference(W: ArrayLike, inputs: ArrayLike, *, plastic: bool,
                       params: ModelParams | None = None, v_init: ArrayLike | None = None
                       ) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, FloatArray]:
    """Simulate the network step by step in plain numpy.

    Parameters
    ----------
    W : ndarray, shape (N, N), float64
        Weights ``W[pre, post]`` in mV. Not modified.
    inputs : ndarray, shape (N, T), integer
        Feed-forward input counts per neuron and 1-ms step (each adds 1 mV).
    plastic : bool
        Apply the plasticity rule of docs/model.md §4.
    params : ModelParams, optional
        Defaults to ``ModelParams()``; ``network.N`` is taken from ``W``.
    v_init : ndarray, shape (N,), optional
        Initial membrane potential, mV (default 0).

    Returns
    -------
    spike_neurons, spike_steps : ndarray of int64
        Spikes sorted by step, then neuron.
    W_end : ndarray (N, N)
        Final weights (a copy).
    v_last : ndarray (N,)
        Membrane potential after the last step (post-reset), mV.
    """
    p = params if params is not None else ModelParams()
    net, pl = p.network, p.plasticity
    W = np.array(W, dtype=np.float64, copy=True)
    x = np.asarray(inputs)
    N, T = x.shape
    N_E = int(round(net.f_exc * N))
    dt = net.dt
    v0 = np.zeros(N) if v_init is None else np.asarray(v_init, dtype=np.float64)

    B = np.exp(-dt / net.tau_m)
    a_minus = np.exp(-dt / pl.tau_minus)
    a_plus = np.exp(-dt / pl.tau_plus)
    a_x = np.exp(-dt / pl.tau_x)

    # which blocks of W may change
    exc_cols = np.zeros(N, dtype=bool)
    exc_cols[:N_E] = True
    e_row_cols = np.zeros(N, dtype=bool)          # columns plastic in E rows
    e_row_cols[:N_E] = pl.plastic_EE
    e_row_cols[N_E:] = pl.plastic_EI

    neurons, steps = [], []
    s = np.zeros(N, dtype=bool)
    v = v0.copy()
    u_minus = v0.copy()            # "u_{-1}" so that u_0 = a·v_init + v_init/τ
    u_plus = v0.copy()
    xbar = np.zeros(N)
    v_prev = v0.copy()             # post-reset v of the previous step
    window = np.zeros((pl.vbar_window, N))   # ring buffer of past post-reset v
    s_prev_f = np.zeros(N)         # spikes of the previous step, as 0/1
    n_window = 0

    for k in range(T):
        # §3 membrane: first B·v + x, then the recurrent input of last step's spikes
        if k == 0:
            v = B * v0 + x[:, 0]
        else:
            v = (B * v + x[:, k]) + s.astype(np.float64) @ W
        s = v > net.theta
        v[s] = 0.0
        if s.any():
            idx = np.flatnonzero(s)
            neurons.append(idx)
            steps.append(np.full(idx.size, k))

        if not plastic:
            v_prev = v
            continue

        # §4 traces, each from the previous step's values
        u_minus = a_minus * u_minus + v_prev / pl.tau_minus
        u_plus = a_plus * u_plus + v_prev / pl.tau_plus
        xbar = a_x * xbar + s_prev_f / pl.tau_x
        vbar = window[:n_window].mean(axis=0) if n_window else np.zeros(N)

        # §4 weight changes
        ltd_post = (vbar ** 2 / pl.u_ref2) * np.maximum(u_minus - pl.theta_minus, 0.0)
        ltp_post = np.maximum(v - pl.theta_plus, 0.0) * np.maximum(u_plus - pl.theta_minus, 0.0)
        dW_minus = -dt * pl.A_LTD * np.outer(s.astype(np.float64), ltd_post)
        dW_plus = dt * pl.A_LTP * np.outer(xbar, ltp_post)
        dW = dW_minus + dW_plus

        # E rows: masked, clipped to [0, w_max]
        E = W[:N_E]
        upd = (E != 0) & e_row_cols[None, :]
        E[upd] = E[upd] + dW[:N_E][upd]
        E[upd] = np.clip(E[upd], 0.0, pl.w_max)
        # I→E: subtract (potentiation strengthens inhibition), clipped to [w_min_inh, 0]
        if pl.plastic_IE:
            dI = (dW_minus if pl.ltd_IE else 0.0) + dW_plus
            dI = np.broadcast_to(dI, dW.shape)[N_E:]
            I = W[N_E:]
            upd = exc_cols[None, :] & ((I != 0) if pl.mask_IE else True)
            upd = np.broadcast_to(upd, I.shape)
            I[upd] = I[upd] - dI[upd]
            I[upd] = np.clip(I[upd], pl.w_min_inh, 0.0)

        # bookkeeping for the next step
        window[k % pl.vbar_window] = v
        n_window = min(n_window + 1, pl.vbar_window)
        v_prev = v
        s_prev_f = s.astype(np.float64)

    if neurons:
        spike_neurons = np.concatenate(neurons).astype(np.int64)
        spike_steps = np.concatenate(steps).astype(np.int64)
    else:
        spike_neurons = np.zeros(0, np.int64)
        spike_steps = np.zeros(0, np.int64)
    return spike_neurons, spike_steps, W, v
