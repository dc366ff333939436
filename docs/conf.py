"""Sphinx configuration of the sensorynet documentation site.

Build (from the repository root, after ``pip install -e ".[docs]"``; no network)::

    python -m sphinx -b html -W --keep-going docs docs/_build/html

Generated pages (notebook copies, API module pages, the CLI reference, the performance
page) are written by ``_ext/sensorynet_docs.py`` before Sphinx reads the sources.
"""
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import sensorynet_docs  # noqa: E402

import sensorynet  # noqa: E402

sensorynet_docs.generate_all()

project = "sensorynet"
author = "the sensorynet developers"
copyright = "2026, the sensorynet developers"
version = release = sensorynet.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",       # MathJax 3 copied into _static: equations render offline
    "numpydoc",
    "sensorynet_docs",
]

root_doc = "index"
smartquotes = False                 # "--seed" stays two hyphens, quotes stay straight
exclude_patterns = ["_build", "_generated", "_templates", "_ext", "**.ipynb_checkpoints",
                    "scale_study"]
templates_path = ["_templates"]

# --- warnings: -W makes every one an error; unresolved references to sensorynet's
# own objects are errors, references to other projects (no network, no intersphinx)
# are left as plain text
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(?!sensorynet\b).*"),
]

# --- MyST and notebooks
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"          # the notebooks' stored outputs are rendered
nb_merge_streams = True
# a widget without its saved state cannot be drawn on a static page: show the PNG
# that every sensorynet panel puts beside it in its display data
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
]

# --- API reference
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"          # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = False

# --- HTML
html_theme = "sphinx_book_theme"
html_title = f"sensorynet {release}"
html_static_path = []
html_theme_options = {
    "repository_url": "https://github.com/sensorynet/sensorynet",
    "repository_branch": "main",
    "path_to_docs": "docs",
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 2,
}
html_last_updated_fmt = None
