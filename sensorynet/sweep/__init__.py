"""Parameter sweeps on Dask: the spec (grid, seeds, metrics), the metric registry, the
resumable JSON-lines store and the runner with its command line.
"""
from ..analysis.sweeps import summarize, add_specificity_contrast  # noqa: F401
from .runs import (normalize_value, params_dict, code_identity, run_seeds, Run, preflight)  # noqa: F401
from .spec import (SweepSpec, as_spec, SPEC_FORMAT)  # noqa: F401
from .metrics import (Metric, RunContext, METRICS, DEFAULT_METRICS, register_metric, available_metrics)  # noqa: F401
from .store import (SweepStore, load_sweep, RUNS_FILE, SPEC_FILE, INFO_COLUMNS, sweep_dir, records_frame)  # noqa: F401
from .run import (run_sweep, local_cluster, WarmupPlugin, WORKER_ENV)  # noqa: F401
from .cli import (cli_main)  # noqa: F401

__all__ = ['summarize', 'add_specificity_contrast', 'normalize_value', 'params_dict', 'code_identity', 'run_seeds', 'Run', 'preflight', 'SweepSpec', 'as_spec', 'SPEC_FORMAT', 'Metric', 'RunContext', 'METRICS', 'DEFAULT_METRICS', 'register_metric', 'available_metrics', 'SweepStore', 'load_sweep', 'RUNS_FILE', 'SPEC_FILE', 'INFO_COLUMNS', 'sweep_dir', 'records_frame', 'run_sweep', 'local_cluster', 'WarmupPlugin', 'WORKER_ENV', 'cli_main']
