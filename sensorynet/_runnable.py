"""Checks a parameter set must pass before anything is built: the cross-parameter
conditions the simulator only meets at run time.

Each parameter is validated on its own when a :class:`~sensorynet.ModelParams` is made;
some combinations are still unusable: inhibitory weights beyond the plasticity bound
(``network.g = 12``), input rates the Poisson generator cannot draw (``input.b =
60000``), protocol durations that are not whole steps (``network.dt = 0.3``).
:func:`check_runnable` finds them with the simulator's own checks, in microseconds, so
``sensorynet reproduce``, ``sensorynet sweep --dry-run`` and :func:`run_published`
refuse such a run at once, with one line, instead of after the network was built.
"""
from __future__ import annotations

import numpy as np

from ._params import ModelParams
from ._simulation import check_simulated_weights
from ._stimulus import check_input_rates

__all__ = ["check_runnable"]


def _whole_steps(name: str, ms: float, dt: float) -> None:
    steps = ms / dt
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise ValueError(f"{name}={ms:g} ms is not a whole number of steps of "
                         f"network.dt={dt:g} ms")


def check_runnable(params: ModelParams, n_blocks: int | None = None) -> None:
    """Raise ``ValueError`` naming the parameters if a run of ``params`` cannot run.

    Parameters
    ----------
    params : ModelParams
    n_blocks : int, optional
        Learning blocks (default ``params.protocol.n_blocks``); the plasticity bounds
        only apply when there are any.

    Raises
    ------
    ValueError
        Initial weights outside the plasticity bounds, input rates above what the
        generator supports, or protocol durations that are not whole steps of dt.
    """
    n_blocks = params.protocol.n_blocks if n_blocks is None else n_blocks
    net, inp, pr = params.network, params.input, params.protocol
    for name, ms in (("protocol.test_ms", pr.test_ms), ("protocol.block_ms", pr.block_ms),
                     ("protocol.stim_ms", pr.stim_ms)):
        _whole_steps(name, ms, net.dt)
    peak = inp.b * (1.0 + max(inp.m_E, inp.m_I))
    for name, rate in (("input.b with input.m_E/m_I", peak),
                       ("input.spontaneous_rate", inp.spontaneous_rate)):
        try:
            check_input_rates(np.array([rate]), net.dt)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    if n_blocks > 0:
        w_exc = net.J if (net.eps_EE > 0 or net.eps_EI > 0) else 0.0
        w_inh = -net.g * net.J if (net.eps_IE > 0 or net.eps_II > 0) else 0.0
        try:
            check_simulated_weights(np.array([[w_exc, w_exc], [w_inh, w_inh]]), 1, params,
                                    True)
        except ValueError as exc:
            raise ValueError(f"the initial weights (network.J, -network.g·J) violate the "
                             f"plasticity bounds: {exc}") from None
