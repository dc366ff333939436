"""pytest settings for the notebooks, which nbval executes (``pytest --nbval-lax``).

Each notebook runs in a fresh kernel started by nbval; kernels inherit this process's
environment. The results cache (``SENSORYNET_CACHE``) is pointed at a fresh temporary
directory for the whole test run. The notebooks are then tested as a first-time
reader meets them, with an empty cache (notebook 02 computes the learned network and
03/04 reuse it), and the tests never read results from, or write them to, the user's
cache.
"""
import os
import shutil
import tempfile

import pytest

# notebooks/scripts/ holds the notebooks' jupytext twins: running their code is nbval's
# job on the notebooks themselves, so pytest never imports them (--doctest-modules)
collect_ignore = ["scripts"]

_saved = {}


def pytest_configure(config):
    if "cache_dir" in _saved:        # configure may be called once per conftest load
        return
    _saved["previous"] = os.environ.get("SENSORYNET_CACHE")
    _saved["cache_dir"] = tempfile.mkdtemp(prefix="sensorynet-nbval-cache-")
    os.environ["SENSORYNET_CACHE"] = _saved["cache_dir"]


def pytest_unconfigure(config):
    if "cache_dir" not in _saved:
        return
    shutil.rmtree(_saved.pop("cache_dir"), ignore_errors=True)
    previous = _saved.pop("previous")
    if previous is None:
        os.environ.pop("SENSORYNET_CACHE", None)
    else:
        os.environ["SENSORYNET_CACHE"] = previous


def pytest_collection_modifyitems(config, items):
    """Executing the notebooks takes about a minute: they are ``slow`` tests, run by
    ``pytest -m slow`` (and ``.ci/run``), not by the plain ``pytest`` developer loop."""
    for item in items:
        if item.nodeid.startswith("notebooks/"):
            item.add_marker(pytest.mark.slow)
