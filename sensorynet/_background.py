"""Private: import a module in a thread while a GIL-releasing computation runs.

:func:`sensorynet.reproduce.reproduce` imports the figure modules (matplotlib, ~0.2 s
of Python) while the published network learns: the compiled kernels release the GIL,
so the import runs on the second core. The simulation still needs the GIL briefly
between its kernel calls; with the interpreter's default 5 ms switch interval it waits
up to 5 ms each time for the importing thread to yield, so the interval is shortened
meanwhile (measured end to end: −3.5 %, benchmarks/USER_WAIT.md).
"""
from __future__ import annotations

import contextlib
import importlib
import sys
import threading

__all__ = ["SWITCH_INTERVAL", "importing_meanwhile"]

#: GIL switch interval while the import runs, s (the interpreter's default is 0.005)
SWITCH_INTERVAL = 5e-4


@contextlib.contextmanager
def importing_meanwhile(module: str, switch_interval: float = SWITCH_INTERVAL):
    """Import ``module`` in a daemon thread while the ``with`` body runs.

    Parameters
    ----------
    module : str
        Absolute module name.
    switch_interval : float
        GIL switch interval during the body, s; the previous one is restored when the
        body ends, also if it raises.

    Notes
    -----
    On a normal exit the thread is joined, so the module is imported afterwards (an
    import error is raised again by the next ``import`` of it, as usual). If the body
    raises, the exception propagates without waiting for the import.
    """
    thread = threading.Thread(target=importlib.import_module, args=(module,),
                              daemon=True)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    thread.start()
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
    thread.join()
