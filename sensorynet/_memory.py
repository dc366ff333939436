"""Memory estimates, checked before anything large is allocated.

A run that cannot fit is refused in well under a second, with the estimate in the
message, instead of dying minutes later with a ``MemoryError`` (or being killed by the
operating system). The estimates are upper bounds of the arrays a run holds at once:

* weights: dense ``W0`` and ``W`` and two transient dense copies (``4·N²·8`` bytes) or, sparse, the CSR structure of
  both (``nnz·(8 + 4)`` bytes each, plus row pointers), plus the kernel's working CSR
  copy and per-postsynaptic prefix sums;
* per-block weight snapshots, when kept (``n_blocks·nnz·8`` bytes);
* spikes, bounded by a generous ``MAX_RATE_HZ`` for every neuron over the whole run
  (two 4-byte indices per spike);
* recorded traces (``neurons × steps × 3`` doubles).

The expected synapse count is ``Σ_pathways ε·N_pre·N_post``. Available memory is read
from ``/proc/meminfo`` (``MemAvailable``) or ``os.sysconf``; where neither exists,
nothing is refused.
"""
from __future__ import annotations

import os

__all__ = [
    "MAX_RATE_HZ",
    "RunTooLarge",
    "available_bytes",
    "expected_synapses",
    "estimate_run_bytes",
    "check_fits",
    "format_bytes",
    "FRACTION",
]

#: spike-count bound used for the estimate, Hz per neuron (rates in the model are ~1–30)
MAX_RATE_HZ = 100.0
#: refuse runs estimated to need more than this fraction of the available memory
FRACTION = 0.8


class RunTooLarge(ValueError):
    """A run whose memory estimate exceeds what the machine has available."""


def available_bytes():
    """Memory available for new allocations, bytes (None if unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n) -> str:
    """``1.3 GB`` style size."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000.0


def expected_synapses(network) -> float:
    """Expected number of synapses of a :class:`~sensorynet._params.NetworkParams`."""
    ne, ni = network.N_E, network.N - network.N_E
    return (network.eps_EE * ne * ne + network.eps_EI * ne * ni
            + network.eps_IE * ni * ne + network.eps_II * ni * ni)


def estimate_run_bytes(params, *, n_blocks=0, sparse=None, keep_snapshots=False,
                       record_neurons=0, extra_steps=0) -> int:
    """Upper-bound estimate of the memory a protocol run holds at once, bytes.

    Parameters
    ----------
    params : ModelParams
    n_blocks : int
        Plastic blocks of ``params.protocol.block_ms`` each.
    sparse : bool, optional
        Sparse weight storage (default: as :func:`~sensorynet.build_network` decides).
    keep_snapshots : bool
        Whether the weights after every block are kept.
    record_neurons : int
        Neurons whose traces are recorded.
    extra_steps : int
        Further simulated steps (tests before and after learning, tuning runs).
    """
    from ._network import DENSE_MAX_N
    net = params.network
    N = int(net.N)
    if sparse is None:
        sparse = N > DENSE_MAX_N
    nnz = expected_synapses(net) * 1.05 + 64          # a few sd above the mean
    csr = nnz * (8 + 4) + (N + 1) * 8
    # W0 and W, and (dense) the transient dense copies made when blocks start and end
    weights = 2 * csr if sparse else 4 * N * N * 8.0
    kernel = csr + 3 * N * 8 * 128                     # working CSR + prefix-sum epochs
    block_steps = params.protocol.block_ms / net.dt
    steps = n_blocks * block_steps + extra_steps
    snapshots = n_blocks * nnz * 8 if keep_snapshots else 0
    spikes = MAX_RATE_HZ * N * steps * net.dt / 1000.0 * 8
    record = record_neurons * max(block_steps, extra_steps) * 3 * 8
    return int(weights + kernel + snapshots + spikes + record)


def check_fits(n_bytes, what, *, available=None):
    """Refuse ``what`` (a short description) if ``n_bytes`` exceed the available memory.

    Raises
    ------
    RunTooLarge
        With the estimate and the available memory in the message.
    """
    avail = available_bytes() if available is None else available
    if avail is not None and n_bytes > FRACTION * avail:
        raise RunTooLarge(
            f"{what} needs an estimated {format_bytes(n_bytes)} of memory, but only "
            f"{format_bytes(avail)} are available (refused before allocating; use a "
            f"smaller network, fewer blocks or keep_snapshots=False)")
    return int(n_bytes)
