#!/usr/bin/env python
"""Write binder/requirements.txt: a full lock of the Binder environment.

Usage (from anywhere; uses the Python of binder/runtime.txt if on PATH)::

    python3.11 tools/lock_binder.py            # rewrite binder/requirements.txt
    python3.11 tools/lock_binder.py --check    # exit 1 if the file differs from a new lock
                                               # (only meaningful right after locking:
                                               # new releases change the lock)

Steps: a fresh temporary virtual environment; ``pip install -e ".[notebooks,sweep]"``
plus what Binder needs besides the package's extras (``jupyter-server-proxy`` for the
Dask dashboard behind Binder's proxy, ``notebook``, and ``nbval``/``pytest``/``ipykernel``
with which ``.ci/binder_check`` executes the notebooks); then ``pip freeze
--exclude-editable``: every installed package pinned with ``==``, sensorynet itself
left out (binder/postBuild installs it). Requirements that pyproject.toml states with
extras keep them (``dask[distributed]==…``), so the lock still names what the package
asks for; the extras' packages are pinned on their own lines anyway.

repo2docker ignores pyproject.toml when binder/ exists, so this file is the whole
Binder environment; ``tests/test_binder.py`` checks that it pins every runtime
dependency compatibly.
"""
from __future__ import annotations

import argparse
import datetime
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "binder" / "requirements.txt"
EXTRAS = "notebooks,sweep"
ALSO = ["jupyter-server-proxy", "notebook", "nbval", "pytest", "ipykernel"]


def _python() -> str:
    want = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    found = shutil.which(f"python{want}")
    if found is None:
        print(f"lock_binder: python{want} (binder/runtime.txt) not found, using "
              f"{sys.executable}", file=sys.stderr)
        return sys.executable
    return found


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _extras_in_pyproject() -> dict:
    """canonical name -> extras, for the requirements of pyproject.toml with extras."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python < 3.11
        import tomli as tomllib
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(proj["dependencies"])
    for extra in EXTRAS.split(","):
        reqs += proj["optional-dependencies"][extra]
    out = {}
    for r in reqs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*\[([^\]]+)\]", r)
        if m:
            out.setdefault(_canon(m.group(1)), set()).update(
                e.strip() for e in m.group(2).split(","))
    return out


def lock() -> str:
    python = _python()
    with tempfile.TemporaryDirectory(prefix="sensorynet-lock-") as tmp:
        venv = pathlib.Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip"]
        subprocess.run(pip + ["install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run(pip + ["install", "-q", "-e", f".[{EXTRAS}]", *ALSO],
                       check=True, cwd=ROOT)
        frozen = subprocess.run(pip + ["freeze", "--exclude-editable"], check=True,
                                capture_output=True, text=True).stdout
        version = subprocess.run([str(venv / "bin" / "python"), "-c",
                                  "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                                 check=True, capture_output=True, text=True).stdout.strip()
    extras = _extras_in_pyproject()
    lines = []
    for line in frozen.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" not in line:
            raise SystemExit(f"lock_binder: not a version pin in pip freeze: {line!r}")
        name, version_pin = line.split("==", 1)
        if _canon(name) == "sensorynet":
            continue
        if _canon(name) in extras:
            name = f"{name}[{','.join(sorted(extras[_canon(name)]))}]"
        lines.append(f"{name}=={version_pin}")
    lines.sort(key=lambda s: _canon(s.split("[")[0].split("==")[0]))
    header = [
        "# Binder environment: a full lock (every package pinned), made by",
        "#     python3.11 tools/lock_binder.py",
        f"# = a fresh venv (Python {version}), pip install -e \".[{EXTRAS}]\" "
        + " ".join(ALSO) + ",",
        "#   then pip freeze --exclude-editable (requirements stated with extras in",
        "#   pyproject.toml keep them). Do not edit by hand; re-run the command.",
        f"# Locked on {datetime.date.today().isoformat()}. repo2docker ignores pyproject.toml "
        "when binder/ exists;",
        "# the package itself is installed by binder/postBuild.",
    ]
    return "\n".join(header + lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with binder/requirements.txt, write nothing")
    args = ap.parse_args(argv)
    text = lock()
    body = lambda s: [l for l in s.splitlines() if not l.startswith("#")]
    if args.check:
        same = body(text) == body(OUT.read_text())
        print("lock_binder: binder/requirements.txt is " + ("up to date" if same else "stale"))
        return 0 if same else 1
    OUT.write_text(text)
    print(f"lock_binder: wrote {OUT.relative_to(ROOT)} ({len(body(text))} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
