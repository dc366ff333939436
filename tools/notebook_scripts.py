#!/usr/bin/env python
"""Keep each notebook's text twin: ``notebooks/scripts/NN_name.py`` (jupytext, py:percent).

The notebooks (``notebooks/NN_*.ipynb``) are the source: they hold the stored outputs
that nbval checks and the documentation site renders. Each one has a paired script with
the same cells as plain Python (Markdown cells as comments, no outputs, no metadata), so
that a change to a notebook's code or text is a readable diff.
``tests/project/test_notebooks_paired.py`` fails when a script is missing, stale or has
no notebook.

Usage (from the repository root)::

    python tools/notebook_scripts.py           # write every script from its notebook
    python tools/notebook_scripts.py --check   # report stale scripts, write nothing

After editing a script instead of its notebook, ``jupytext --sync notebooks/NN_*.ipynb``
(the pairing is configured in ``jupytext.toml``) carries the change back into the
notebook, keeping its outputs; then run this script, or regenerate the outputs with
``python tools/regenerate_notebooks.py NN``.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SCRIPTS = NOTEBOOKS / "scripts"
#: the script format: also in jupytext.toml, so that `jupytext --sync` writes the same
FORMAT = {"extension": ".py", "format_name": "percent",
          "notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"}


def notebooks() -> list[pathlib.Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def script_path(notebook: pathlib.Path) -> pathlib.Path:
    return SCRIPTS / (notebook.stem + ".py")


def script_text(notebook: pathlib.Path) -> str:
    """The py:percent text of ``notebook``."""
    import jupytext
    return jupytext.writes(jupytext.read(notebook), fmt=dict(FORMAT))


def stale() -> list[str]:
    """Problems: scripts missing, differing from their notebook, or without one."""
    problems = []
    for nb in notebooks():
        path = script_path(nb)
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)}: missing")
        elif path.read_text(encoding="utf-8") != script_text(nb):
            problems.append(f"{path.relative_to(ROOT)}: differs from {nb.name}")
    names = {script_path(nb).name for nb in notebooks()}
    for path in sorted(SCRIPTS.glob("*.py")):
        if path.name not in names:
            problems.append(f"{path.relative_to(ROOT)}: no notebook of that name")
    return problems


def write(paths=None) -> list[pathlib.Path]:
    """Write the scripts of ``paths`` (default: every notebook); return those changed."""
    SCRIPTS.mkdir(exist_ok=True)
    changed = []
    for nb in paths or notebooks():
        path, text = script_path(nb), script_text(nb)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="report stale scripts only")
    args = ap.parse_args(argv)
    if args.check:
        problems = stale()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    for path in write():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
