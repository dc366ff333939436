#!/usr/bin/env python
"""Re-execute the notebooks in place so that their stored outputs match the code.

Usage (from the repository root, with the package and its test extras installed)::

    python tools/regenerate_notebooks.py              # every notebooks/NN_*.ipynb
    python tools/regenerate_notebooks.py 02 03        # only notebooks whose name starts so
    python tools/regenerate_notebooks.py --check      # execute, report, write nothing

Each notebook runs top to bottom in a fresh kernel (cwd ``notebooks/``), in name order,
with one *fresh* results cache shared by all of them (a temporary ``SENSORYNET_CACHE``),
so the stored outputs show what a first-time reader sees: notebook 02 computes the
learned network, 03 and 04 load it from the cache. ``--keep-cache`` uses the normal
cache instead.

Stored outputs keep only what a viewer without a kernel can render: widget displays
without a static fallback (progress bars) are dropped, widget state and execution
timings are not stored. Panels from :mod:`sensorynet.widgets` carry a PNG fallback,
so their figures stay visible on a code host. Each notebook's jupytext script
(``notebooks/scripts/``, ``tools/notebook_scripts.py``) is rewritten with it.

For every notebook the run time and the peak memory (resident set size summed over
the kernel and its child processes, e.g. Dask workers, sampled every 50 ms) are
printed; the script exits with status 1 if a notebook fails or exceeds
``--max-seconds`` / ``--max-mb`` (defaults: 90 s, 1500 MB).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class PeakMemory:
    """Sample the summed RSS of this process's descendants (not of this process)."""

    def __init__(self, interval=0.05):
        import psutil
        self._psutil = psutil
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        total = 0
        for c in self._psutil.Process().children(recursive=True):
            try:
                total += c.memory_info().rss
            except self._psutil.Error:
                pass
        self.peak = max(self.peak, total)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def clean_outputs(nb):
    """Drop outputs a static viewer cannot render; drop widget state and timings."""
    n_dropped = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if out.get("output_type") in ("display_data", "execute_result") and \
                    WIDGET_VIEW in data and set(data) <= {WIDGET_VIEW, "text/plain"}:
                n_dropped += 1
                continue
            keep.append(out)
        cell.outputs = keep
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return n_dropped


def run_notebook(path, timeout):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            # True: nbclient's Output-widget emulation needs the state;
                            # it is removed again by clean_outputs
                            store_widget_state=True, record_timing=False)
    t0 = time.perf_counter()
    with PeakMemory() as mem:
        client.execute()
    return nb, time.perf_counter() - t0, mem.peak / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("select", nargs="*", help="notebook name prefixes (default: all)")
    ap.add_argument("--check", action="store_true", help="execute only, do not write")
    ap.add_argument("--keep-cache", action="store_true",
                    help="use $SENSORYNET_CACHE / ~/.cache/sensorynet, not a fresh cache")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout, s")
    ap.add_argument("--max-seconds", type=float, default=90.0)
    ap.add_argument("--max-mb", type=float, default=1500.0)
    args = ap.parse_args(argv)

    import nbformat
    sys.path.insert(0, str(ROOT / "tools"))
    import notebook_scripts
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.select:
        paths = [p for p in paths if any(p.name.startswith(s) for s in args.select)]
    if not paths:
        print("no notebooks selected", file=sys.stderr)
        return 2
    tmp = None
    if not args.keep_cache:
        tmp = tempfile.TemporaryDirectory(prefix="sensorynet-regen-")
        os.environ["SENSORYNET_CACHE"] = tmp.name
    status = 0
    print(f"{'notebook':40s} {'time (s)':>9s} {'peak (MB)':>10s}")
    try:
        for path in paths:
            try:
                nb, secs, mb = run_notebook(path, args.timeout)
            except Exception as exc:     # report and go on with the others
                print(f"{path.name:40s} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
                status = 1
                continue
            dropped = clean_outputs(nb)
            flag = ""
            if secs > args.max_seconds or mb > args.max_mb:
                flag, status = "  <-- over budget", 1
            print(f"{path.name:40s} {secs:9.1f} {mb:10.0f}{flag}"
                  + (f"  ({dropped} widget-only outputs dropped)" if dropped else ""))
            if not args.check:
                nbformat.validate(nb)
                nbformat.write(nb, path)
                notebook_scripts.write([path])      # its text twin in notebooks/scripts/
    finally:
        if tmp is not None:
            tmp.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
