"""Parameter sweeps on Dask: a spec (grid, seeds, metrics), a registry of metrics, a
resumable JSON-lines store and the runner, from Python or ``sensorynet sweep``.

Needs the ``sweep`` extra (``pip install -e ".[sweep]"``: dask.distributed, pandas).
"""
from ._cli import cli_main as main
from ._cluster import connect, local_cluster
from ._metrics import Metric, available_metrics, protocol_metric, register_metric
from ._runner import check_sweep_memory, run_sweep
from ._spec import SweepSpec
from ._store import StoreBusy, SweepStore, load_sweep, sweep_dir

__all__ = [
    "SweepSpec", "Metric", "register_metric", "available_metrics", "protocol_metric",
    "run_sweep", "check_sweep_memory", "local_cluster", "connect",
    "SweepStore", "StoreBusy", "load_sweep", "sweep_dir", "main",
]
