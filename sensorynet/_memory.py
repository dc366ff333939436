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

from ._params import ModelParams, NetworkParams

__all__ = [
    "MAX_RATE_HZ",
    "RunTooLarge",
    "available_bytes",
    "expected_synapses",
    "estimate_run_bytes",
    "check_fits",
    "format_bytes",
    "FRACTION",
    "SpikeMemoryGuard",
]

#: spike-count bound used for the estimate, Hz per neuron (rates in the model are ~1–30)
MAX_RATE_HZ = 100.0
#: refuse runs estimated to need more than this fraction of the available memory
FRACTION = 0.8


class RunTooLarge(ValueError):
    """A run whose memory estimate exceeds what the machine has available."""


def _read_int(path: str) -> int | None:
    try:
        with open(path) as fh:
            text = fh.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_room() -> int | None:
    """Bytes this process's cgroup may still allocate (v2 ``memory.max`` minus
    ``memory.current``, or v1 ``limit_in_bytes`` minus ``usage_in_bytes``); None when
    unlimited or unknown."""
    try:
        with open("/proc/self/cgroup") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, rel = line.split(":", 2)
        if controllers == "":                                   # cgroup v2
            base = "/sys/fs/cgroup" + rel.rstrip("/")
            limit, used = _read_int(f"{base}/memory.max"), _read_int(f"{base}/memory.current")
        elif "memory" in controllers.split(","):                 # cgroup v1
            base = "/sys/fs/cgroup/memory" + rel.rstrip("/")
            limit = _read_int(f"{base}/memory.limit_in_bytes")
            used = _read_int(f"{base}/memory.usage_in_bytes")
        else:
            continue
        if limit is not None and used is not None and limit < 2**60:
            return max(0, limit - used)
    return None


def _rlimit_room() -> int | None:
    """Bytes of address space left under ``ulimit -v`` (RLIMIT_AS); None if unlimited."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return max(0, soft - pages * os.sysconf("SC_PAGE_SIZE"))
    except (ImportError, OSError, ValueError):
        return None


def available_bytes() -> int | None:
    """Memory this process can still allocate, bytes (None if unknown): the machine's
    available memory, limited by the process's cgroup (a container's or job's memory
    cap) and by ``ulimit -v``."""
    machine = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    machine = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if machine is None:
        try:
            machine = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            machine = None
    rooms = [r for r in (machine, _cgroup_room(), _rlimit_room()) if r is not None]
    return min(rooms) if rooms else None


def format_bytes(n: float) -> str:
    """``1.3 GB`` style size."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000.0
    return f"{n:.3g} PB"


def expected_synapses(network: NetworkParams) -> float:
    """Expected number of synapses of a :class:`~sensorynet._params.NetworkParams`."""
    ne, ni = network.N_E, network.N - network.N_E
    return (network.eps_EE * ne * ne + network.eps_EI * ne * ni
            + network.eps_IE * ni * ne + network.eps_II * ni * ni)


def estimate_run_bytes(params: ModelParams, *, n_blocks: int = 0, sparse: bool | None = None,
                       keep_snapshots: bool = False, record_neurons: int = 0,
                       extra_steps: float = 0) -> int:
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


class SpikeMemoryGuard:
    """Stops a run of many learning blocks before the spikes it keeps exhaust memory.

    The estimate of :func:`estimate_run_bytes` assumes rates up to :data:`MAX_RATE_HZ`;
    a network that runs away (hundreds of Hz after ~100 blocks, or at once without
    inhibition) keeps far more spikes. After every block :meth:`after_block` adds that
    block's kept spikes and projects the blocks still to run at its rate; when that
    projection, or one block at the physical maximum (every neuron spiking every step),
    would not fit in :data:`FRACTION` of the memory still available, the run stops with
    :class:`RunTooLarge` naming the block, the rate and the memory.
    """

    def __init__(self, what: str, n_blocks: int, n_neurons: int, n_exc: int, block_steps: int,
                 dt_ms: float) -> None:
        self.what, self.n_blocks = what, int(n_blocks)
        self.n_neurons, self.n_exc = int(n_neurons), int(n_exc)
        self.block_steps, self.dt_ms = int(block_steps), float(dt_ms)
        self.held = 0

    def after_block(self, b: int, kept_bytes: int, spike_count_E: int) -> None:
        """Account block ``b`` (0-based): ``kept_bytes`` it keeps, ``spike_count_E``
        spikes of its E neurons (for the message)."""
        self.held += int(kept_bytes)
        left = self.n_blocks - b - 1
        if left <= 0:
            return
        avail = available_bytes()
        if avail is None:
            return
        # the kernel's spike buffers of one block can double while they grow
        worst_block = self.n_neurons * self.block_steps * 8 * 2
        need = left * int(kept_bytes) + min(worst_block, 2 * int(kept_bytes) + 2**26)
        if need > FRACTION * avail:
            seconds = self.block_steps * self.dt_ms / 1000.0
            rate = spike_count_E / max(self.n_exc, 1) / seconds
            raise RunTooLarge(
                f"{self.what}: stopped after learning block {b + 1} of {self.n_blocks}: "
                f"the E rate reached {rate:.0f} Hz, the spikes kept so far take "
                f"{format_bytes(self.held)} and the {left} blocks left would need about "
                f"{format_bytes(need)} more, but only {format_bytes(avail)} are "
                "available (the network is running away; run fewer blocks or keep only "
                "spike counts of the learning blocks)")


def check_fits(n_bytes: float, what: str, *, available: float | None = None) -> int:
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
