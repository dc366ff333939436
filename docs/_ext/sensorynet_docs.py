"""Pages of the documentation site that are made from the repository at build time.

Run by ``docs/conf.py`` before Sphinx reads any source, so that every generated page
is an ordinary source file (git-ignored):

* ``docs/notebooks/*.ipynb`` -- the tutorial notebooks, copied from ``notebooks/`` with
  their stored outputs (they are rendered, not executed);
* ``docs/reference/api/*.md`` -- one page per public module, listing every name of its
  ``__all__`` in an autosummary table (so the reference follows ``__all__``);
* ``docs/_generated/cli.md`` -- every subcommand and option of the ``sensorynet``
  command, read from its argparse parsers;
* ``docs/_generated/performance.md`` -- the timing tables of ``benchmarks/*.md``, the
  only place they are kept.

As a Sphinx extension it also points each notebook page's Binder button at the
notebook's place in the repository (``notebooks/``, not the copy under ``docs/``).
"""
from __future__ import annotations

import argparse
import filecmp
import importlib
import pathlib
import re
import shutil

DOCS = pathlib.Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"

#: the public faces of the package, in the order of the reference (each page opens
#: with the module's own docstring)
PUBLIC_MODULES = ("sensorynet", "sensorynet.analysis", "sensorynet.experiments",
                  "sensorynet.plotting", "sensorynet.widgets", "sensorynet.sweep",
                  "sensorynet.reference", "sensorynet.cli")

#: benchmark pages in the order of the performance page
BENCHMARK_PAGES = ("RESULTS.md", "KERNEL_AB.md", "COLD_START.md", "USER_WAIT.md",
                   "SWEEP.md")


def _write_if_changed(path: pathlib.Path, text: str) -> None:
    """Write ``text`` unless the file holds it already (keeps incremental builds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- notebooks

def notebook_paths() -> list[pathlib.Path]:
    """The tutorial notebooks in reading order (``notebooks/NN_*.ipynb``)."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def copy_notebooks(dest: pathlib.Path = DOCS / "notebooks") -> list[str]:
    """Copy the notebooks into the source tree; return their document names."""
    dest.mkdir(exist_ok=True)
    wanted = {p.name: p for p in notebook_paths()}
    for old in dest.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for name, src in wanted.items():
        target = dest / name
        if not target.exists() or not filecmp.cmp(src, target, shallow=False):
            shutil.copyfile(src, target)
    return [f"notebooks/{p.stem}" for p in wanted.values()]


# ------------------------------------------------------------------------ API reference

def public_names(module_name: str) -> list[str]:
    """The names a public module exports (its ``__all__``), in its own order."""
    module = importlib.import_module(module_name)
    return list(module.__all__)


def _kind(obj) -> str:
    import inspect
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def api_page(module_name: str) -> str:
    """A page documenting ``module_name``: its docstring, then every exported name."""
    module = importlib.import_module(module_name)
    groups: dict[str, list[str]] = {"class": [], "function": [], "data": []}
    for name in public_names(module_name):
        groups[_kind(getattr(module, name))].append(name)
    lines = [f"# `{module_name}`", "", "```{eval-rst}", f".. automodule:: {module_name}", "   :no-members:", "",
             f".. currentmodule:: {module_name}", "```", ""]
    titles = {"class": "Classes", "function": "Functions", "data": "Constants"}
    for kind in ("class", "function", "data"):
        if not groups[kind]:
            continue
        lines += [f"## {titles[kind]}", "", "```{eval-rst}", ".. autosummary::",
                  "   :toctree: generated", "   :nosignatures:", "",
                  *(f"   {name}" for name in groups[kind]), "```", ""]
    return "\n".join(lines)


def check_public_modules() -> None:
    """Every module of the package without a leading underscore has a reference page."""
    import pkgutil

    import sensorynet
    found = {"sensorynet"} | {
        m.name for m in pkgutil.walk_packages(sensorynet.__path__, "sensorynet.")
        if not any(part.startswith("_") for part in m.name.split("."))}
    missing = sorted(found - set(PUBLIC_MODULES))
    if missing:
        raise RuntimeError(f"public modules without a reference page: {missing}; add "
                           "them to PUBLIC_MODULES in docs/_ext/sensorynet_docs.py")


def write_api_pages(dest: pathlib.Path = DOCS / "reference" / "api") -> list[str]:
    """Write one page per public module; return their document names (``api/...``)."""
    check_public_modules()
    dest.mkdir(parents=True, exist_ok=True)
    names = []
    for module_name in PUBLIC_MODULES:
        _write_if_changed(dest / f"{module_name}.md", api_page(module_name))
        names.append(module_name)
    keep = {f"{m}.md" for m in names}
    for old in dest.glob("*.md"):
        if old.name not in keep:
            old.unlink()
    # autosummary's stubs of names no longer exported would be orphaned pages (a
    # warning, so an error under -W) in a tree that was built before
    exported = {f"{m}.{n}.rst" for m in names for n in public_names(m)}
    for old in (dest / "generated").glob("*.rst"):
        if old.name not in exported:
            old.unlink()
    return names


# ------------------------------------------------------------------------ CLI reference

def _md(text: str) -> str:
    """Plain help text as Markdown (no accidental emphasis or roles)."""
    return re.sub(r"([*_`<>\[\]])", r"\\\1", " ".join(text.split()))


def _option_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:                     # argparse keeps no public list
        if isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            if action.nargs == 0:
                call = ", ".join(action.option_strings)
            else:
                metavar = action.metavar or action.dest.upper()
                call = ", ".join(f"{o} {metavar}" for o in action.option_strings)
        else:
            call = action.metavar or action.dest
        text = action.help or ""
        if text is argparse.SUPPRESS:
            continue
        params = dict(vars(action), prog=parser.prog)
        if params.get("choices") is not None:
            params["choices"] = ", ".join(map(str, params["choices"]))
        text = text % params if "%" in text else text
        if action.choices and "%(choices)" not in (action.help or ""):
            text += f" (one of: {', '.join(map(str, action.choices))})"
        if action.required:
            text += " (required)"
        rows.append(f"| `{call}` | {_md(text)} |")
    return rows


def _parser_section(parser: argparse.ArgumentParser, level: int, anchor: str) -> list[str]:
    usage = parser.format_usage().strip()
    if usage.startswith("usage: "):
        usage = usage[len("usage: "):]
    out = [f"({anchor})=", f"{'#' * level} `{parser.prog}`", ""]
    if parser.description:
        out += [_md(parser.description), ""]
    out += ["```text", " ".join(usage.split()), "```", "",
            "| argument | meaning |", "|---|---|", *_option_rows(parser), ""]
    return out


def cli_reference() -> str:
    """Markdown for every subcommand and option of ``sensorynet``."""
    from sensorynet.cli import build_parser
    from sensorynet.sweep._cli import _parser as sweep_parser
    top = build_parser()
    out = _parser_section(top, 2, "cli-sensorynet")
    subs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subs.choices.items():
        if name == "sweep":                 # forwarded to its own parser by cli.main
            sub = sweep_parser()
        out += _parser_section(sub, 3, f"cli-{name}")
    return "\n".join(out)


# ------------------------------------------------------------------- protocol figures

def figures_table() -> str:
    """Markdown: every registered protocol, what it runs and the figures it draws."""
    from sensorynet.experiments import PROTOCOLS
    intro, rows = [], ["| protocol | figure (`<stem>.png`) | drawn by | from the result |",
                       "|---|---|---|---|"]
    for name, protocol in PROTOCOLS.items():
        intro.append(f"`{name}`\n: {_md(protocol.description)}\n")
        for i, spec in enumerate(protocol.figures):
            plot = spec.plot if isinstance(spec.plot, str) else \
                f"{spec.plot.__module__}:{spec.plot.__qualname__}"
            module, _, func = plot.partition(":")
            drawn = (f"{{func}}`~{module}.{func}`" if module.startswith("sensorynet")
                     else f"`{plot}`")
            source = f"`.{spec.of}`" if spec.of else "itself"
            rows.append(f"| {f'`{name}`' if i == 0 else ''} | `{spec.stem}` | {drawn} "
                        f"| {source} |")
    return "\n".join(intro) + "\n" + "\n".join(rows) + "\n"


# ---------------------------------------------------------------------- performance page

def performance_page() -> str:
    """The benchmark pages of ``benchmarks/`` one after another, headings demoted."""
    out = []
    bench = ROOT / "benchmarks"
    pages = [bench / n for n in BENCHMARK_PAGES if (bench / n).exists()]
    pages += sorted(p for p in bench.glob("*.md") if p.name not in BENCHMARK_PAGES)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        demoted = []
        fenced = False
        previous = 1                    # the page's own title is level 1
        for line in text.splitlines():
            if line.startswith("```"):
                fenced = not fenced
            heading = None if fenced else re.match(r"(#{1,5}) ", line)
            if heading:
                # one level below the page title, and never a level skipped
                level = min(len(heading.group(1)) + 1, previous + 1)
                line = "#" * level + line[len(heading.group(1)):]
                previous = level
            demoted.append(line)
        anchor = "bench-" + page.stem.lower().replace("_", "-")
        out += [f"({anchor})=", *demoted, "",
                f"*Source: `benchmarks/{page.name}`.*", ""]
    return "\n".join(out)


# ------------------------------------------------------------------------------- build

def generate_all() -> None:
    """Make every generated page (called from conf.py)."""
    copy_notebooks()
    modules = write_api_pages()
    _write_if_changed(GENERATED / "api_toctree.md", "\n".join(
        ["```{toctree}", ":maxdepth: 1", "", *(f"api/{m}" for m in modules), "```", ""]))
    _write_if_changed(GENERATED / "cli.md", cli_reference())
    _write_if_changed(GENERATED / "figures.md", figures_table())
    _write_if_changed(GENERATED / "performance.md", performance_page())


def _binder_points_at_repository_notebook(app, pagename, templatename, context, doctree):
    """The theme links a page's launch buttons to its path under ``docs/``; the copies
    in ``docs/notebooks/`` stand for ``notebooks/`` at the repository root."""
    if not pagename.startswith("notebooks/"):
        return
    for button in context.get("header_buttons", []):
        for item in button.get("buttons", []) or []:
            url = item.get("url")
            if url and "docs/notebooks/" in url:
                item["url"] = url.replace("docs/notebooks/", "notebooks/")


# ------------------------------------------------------------------- docstrings, links

_LITERAL = re.compile(r"(``.+?``|:math:`[^`]*`|`[^`]*`)")
_BARS = re.compile(r"(?<![\\|\w])\|([^|\s`][^|`]*?)(?<!\s)\|(?![_\w|])")


def escape_absolute_values(text: str) -> str:
    """``|ΔPO|`` (an absolute value in plain-text docstrings) is not a substitution."""
    parts = _LITERAL.split(text)
    for i in range(0, len(parts), 2):                   # outside literals and roles
        parts[i] = _BARS.sub(lambda m: "\\|" + m.group(1) + "\\|", parts[i])
    return "".join(parts)


def _escape_docstring(app, what, name, obj, options, lines):
    lines[:] = [escape_absolute_values(line) for line in lines]


def public_target(target: str) -> str | None:
    """The public name of the object that the private dotted path ``target`` names
    (``sensorynet._weights.SparseWeights`` -> ``sensorynet.SparseWeights``), or None."""
    if not target.startswith("sensorynet.") or "._" not in target:
        return None
    parts = target.split(".")
    obj = None
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        break
    if obj is None:
        return None
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if getattr(module, name, None) is obj:
                return f"{module_name}.{name}"
    return None


def _resolve_private_path(app, env, node, contnode):
    """Docstrings may name an object by the private module that defines it; link the
    public name it is exported under. Anything else stays unresolved (an error)."""
    if node.get("refdomain") != "py":
        return None
    target = public_target(node.get("reftarget", ""))
    if target is None:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, "obj", target, node,
                               contnode)


def setup(app):
    # after the theme's own html-page-context handler (priority 500)
    app.connect("html-page-context", _binder_points_at_repository_notebook, priority=900)
    app.connect("autodoc-process-docstring", _escape_docstring)
    app.connect("missing-reference", _resolve_private_path)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
