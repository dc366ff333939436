"""Every Python code block of the documentation runs as printed.

The blocks of one page run in order in one namespace, in a fresh working directory
that has the repository's ``examples/`` folder, as a reader working from a clone
would run them. A page is marked ``slow`` when one of its blocks is preceded by the
comment ``<!-- docs-test: slow -->``. Blocks that talk to a batch system or Kubernetes
(``dask_jobqueue``, ``dask_kubernetes``) run against stand-ins that start a local Dask
cluster instead, so the rest of the code (the sensorynet calls) is exercised as
written. Pages whose blocks another test runs (with checks of its own) are listed in
``TESTED_ELSEWHERE``.
"""
from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import sys
import types
import warnings

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: generated or copied pages (not sources of their own) and build output
GENERATED = ("_build", "_generated", "notebooks", "reference/api")
#: page -> the test that runs its blocks
TESTED_ELSEWHERE = {
    "interop.md": "tests/test_interop.py",
    "index.md": "tests/project/test_layout.py",
}
_FENCE = re.compile(r"^(?P<marker><!-- docs-test: (?P<flags>[a-z ,-]+) -->\n)?"
                    r"```python\n(?P<code>.*?)^```", re.S | re.M)


def doc_pages() -> list[pathlib.Path]:
    pages = []
    for page in sorted(DOCS.rglob("*.md")):
        rel = page.relative_to(DOCS).as_posix()
        if not any(rel == g or rel.startswith(g + "/") for g in GENERATED):
            pages.append(page)
    return pages


def python_blocks(page: pathlib.Path) -> list[tuple[str, set[str]]]:
    """``(code, flags)`` of every Python block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    return [(m.group("code"), set(re.split(r"[ ,]+", (m.group("flags") or "").strip())) - {""})
            for m in _FENCE.finditer(text)]


def _pages_with_code():
    params = []
    for page in doc_pages():
        rel = page.relative_to(DOCS).as_posix()
        blocks = python_blocks(page)
        if not blocks or rel in TESTED_ELSEWHERE:
            continue
        marks = [pytest.mark.slow] if any("slow" in f for _, f in blocks) else []
        params.append(pytest.param(page, id=rel, marks=marks))
    return params


# --------------------------------------------------------------------------- stand-ins

def _local_cluster(n_workers):
    from distributed import LocalCluster
    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                        dashboard_address=None)


def _stand_in_modules() -> dict[str, types.ModuleType]:
    """``dask_jobqueue`` and ``dask_kubernetes.operator`` whose clusters are local."""
    from distributed import LocalCluster

    class SLURMCluster(LocalCluster):
        def __init__(self, **kwargs):
            self.job_kwargs = kwargs
            super().__init__(n_workers=0, threads_per_worker=1, processes=True,
                             dashboard_address=None)

        def scale(self, n=None, jobs=None, **kwargs):      # a job = one local worker
            return super().scale(min(2, jobs if jobs is not None else (n or 0)))

        def job_script(self):
            return "#!/usr/bin/env bash\n# stand-in for dask_jobqueue\n"

    class KubeCluster(LocalCluster):
        def __init__(self, *, name, image, n_workers=1, resources=None, env=None):
            super().__init__(n_workers=min(2, n_workers), threads_per_worker=1,
                             processes=True, dashboard_address=None)

    jobqueue = types.ModuleType("dask_jobqueue")
    jobqueue.SLURMCluster = SLURMCluster
    kubernetes = types.ModuleType("dask_kubernetes")
    operator = types.ModuleType("dask_kubernetes.operator")
    operator.KubeCluster = KubeCluster
    kubernetes.operator = operator
    return {"dask_jobqueue": jobqueue, "dask_kubernetes": kubernetes,
            "dask_kubernetes.operator": operator}


@contextlib.contextmanager
def _stand_ins(code: str):
    if "dask_jobqueue" not in code and "dask_kubernetes" not in code:
        yield
        return
    modules = _stand_in_modules()
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


# ------------------------------------------------------------------------------- tests

def test_the_pages_have_code_and_the_marker_is_understood():
    pages = {p.relative_to(DOCS).as_posix() for p in doc_pages()}
    assert {"model.md", "sweeps.md", "howto/reproduce-a-figure.md"} <= pages
    assert len(_pages_with_code()) >= 5
    for page in doc_pages():
        text = page.read_text(encoding="utf-8")
        for flags in re.findall(r"<!-- docs-test: ([^>]*) -->", text):
            assert flags.strip() in ("slow",), (page, flags)
    for rel, test in TESTED_ELSEWHERE.items():
        assert rel in (ROOT / test).read_text(encoding="utf-8"), (rel, test)


@pytest.mark.parametrize("page", _pages_with_code())
def test_python_blocks_run_as_printed(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENSORYNET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    ns = {"__name__": "__main__"}
    rel = page.relative_to(ROOT).as_posix()
    out = io.StringIO()
    # a page may register protocols (as a reader's session would); the tests after it
    # see the package's registry
    from sensorynet.experiments import PROTOCOLS
    monkeypatch.setattr(PROTOCOLS, "_items", dict(PROTOCOLS._items))
    for i, (code, _) in enumerate(python_blocks(page)):
        with _stand_ins(code), contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            exec(compile(code, f"{rel} (Python block {i + 1})", "exec"), ns)
    import matplotlib.pyplot as plt
    plt.close("all")
    os.chdir(ROOT)


# ----------------------------------------------------------- names and paths in prose

_NAME = re.compile(r"`~?(sensorynet(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\(\))?`")
_PATH = re.compile(r"`((?:sensorynet|tools|benchmarks|examples|notebooks|tests|docs|binder|\.ci)"
                   r"/[A-Za-z0-9_./-]*)`")


def _resolves(dotted: str) -> bool:
    import importlib
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def test_objects_and_files_named_in_the_docs_exist():
    """A dotted ``sensorynet.…`` name or a repository path in backticks, in the README
    or any page, names something that exists (Sphinx checks the roles; this checks
    the prose)."""
    pytest.importorskip("distributed")           # sensorynet.sweep is named too
    missing = []
    for page in [ROOT / "README.md", *doc_pages()]:
        text = page.read_text(encoding="utf-8")
        rel = page.relative_to(ROOT).as_posix()
        for name in sorted(set(_NAME.findall(text))):
            if not _resolves(name):
                missing.append(f"{rel}: {name}")
        for path in sorted(set(_PATH.findall(text))):
            if path.startswith("docs/_build/"):      # made by the build the page describes
                continue
            if not (ROOT / path.rstrip("/")).exists():
                missing.append(f"{rel}: {path}")
    assert not missing, "\n".join(missing)


def test_install_commands_work_from_a_clone():
    """sensorynet is installed from its source tree (``pip install -e ".[extra]"``),
    never by name from a package index, where it is not published."""
    by_name = re.compile(r"pip install[^\n`&;|]*?(?<![/\w.-])[\"']?sensorynet(?:\[|[\"'\s]|$)")
    found = []
    for page in [ROOT / "README.md", *doc_pages()]:
        for line in page.read_text(encoding="utf-8").splitlines():
            if by_name.search(line):
                found.append(f"{page.relative_to(ROOT)}: {line.strip()}")
    assert not found, "\n".join(found)
