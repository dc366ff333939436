"""Parameter sweeps on Dask: the spec (grid, seeds, metrics), the metric registry, the
resumable JSON-lines store and the runner with its command line.
"""
from ..analysis.sweeps import summarize, add_specificity_contrast  # noqa: F401
from .runs import (flatten_params, normalize_value, params_dict, code_identity, run_seeds, Run, preflight, run_memory_bytes, check_memory)  # noqa: F401
from .spec import (SweepSpec, as_spec, SPEC_FORMAT)  # noqa: F401
from .metrics import (Metric, RunContext, METRICS, DEFAULT_METRICS, register_metric, available_metrics)  # noqa: F401
from .store import (SweepStore, load_sweep, RUNS_FILE, SPEC_FILE, INFO_COLUMNS, sweep_dir, records_frame, StoreBusy, LOCK_FILE)  # noqa: F401
from .cluster import (WORKER_ENV, CONNECT_TIMEOUT_S, DEFAULT_DASHBOARD_ADDRESS, available_cpus, scheduler_kwargs, connect, local_dashboard_address, local_cluster, client_context, local_worker_count, ALLOWED_FAILURES, local_worker_memory, client_worker_memory)  # noqa: F401
from .dashboard import (dashboard_link)  # noqa: F401
from .worker import (pin_threads, warmup, WarmupPlugin, worker_info, start_topic, execute_run)  # noqa: F401
from .run import (run_sweep, check_sweep_memory, MAX_WORKER_DEATHS, STORE_ATTEMPTS, STORE_RETRY_DELAYS_S, MAX_RESUBMITS)  # noqa: F401
from .cli import (cli_main, PROG)  # noqa: F401

__all__ = ['summarize', 'add_specificity_contrast', 'flatten_params', 'normalize_value', 'params_dict', 'code_identity', 'run_seeds', 'Run', 'preflight', 'run_memory_bytes', 'check_memory', 'SweepSpec', 'as_spec', 'SPEC_FORMAT', 'Metric', 'RunContext', 'METRICS', 'DEFAULT_METRICS', 'register_metric', 'available_metrics', 'SweepStore', 'load_sweep', 'RUNS_FILE', 'SPEC_FILE', 'INFO_COLUMNS', 'sweep_dir', 'records_frame', 'StoreBusy', 'LOCK_FILE', 'WORKER_ENV', 'CONNECT_TIMEOUT_S', 'DEFAULT_DASHBOARD_ADDRESS', 'available_cpus', 'scheduler_kwargs', 'connect', 'local_dashboard_address', 'local_cluster', 'client_context', 'local_worker_count', 'ALLOWED_FAILURES', 'local_worker_memory', 'client_worker_memory', 'dashboard_link', 'pin_threads', 'warmup', 'WarmupPlugin', 'worker_info', 'start_topic', 'execute_run', 'run_sweep', 'check_sweep_memory', 'MAX_WORKER_DEATHS', 'STORE_ATTEMPTS', 'STORE_RETRY_DELAYS_S', 'MAX_RESUBMITS', 'cli_main', 'PROG']
