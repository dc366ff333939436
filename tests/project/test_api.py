"""The public faces stay small, honest and fully hinted.

A *face* is a module a notebook or user imports: the top level, its five subpackages
and the two public modules ``reference`` and ``cli``. Everything else is a private
implementation module (``_name``, guarded by import-linter's ``private_modules``
contract). For every face this checks that ``__all__`` is exactly what it exports,
that every exported callable -- and every method of an exported class -- is annotated
completely with annotations that resolve (``typing.get_type_hints``), and that the
faces stay small.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pathlib
import pkgutil
import re
import sys
import typing

import pytest

import sensorynet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parents[2]

FACES = ("sensorynet", "sensorynet.analysis", "sensorynet.experiments",
         "sensorynet.plotting", "sensorynet.widgets", "sensorynet.sweep",
         "sensorynet.reference", "sensorynet.cli")

#: largest face allowed: a notebook's reader should be able to read the whole list
MAX_FACE_SIZE = 30

#: what the weights refactor rewrites, and hints, in parallel with this test: these
#: modules and the whole of sensorynet.analysis (it may add modules there)
WEIGHTS_REFACTOR = frozenset({
    "sensorynet._weights", "sensorynet._validate", "sensorynet._simulation",
    "sensorynet._kernels",
    "sensorynet._network_kernel",
})


def _in_weights_refactor(module: str) -> bool:
    return (module in WEIGHTS_REFACTOR or module == "sensorynet.analysis"
            or module.startswith("sensorynet.analysis."))

#: modules whose exported names are not fully hinted yet: HINTED BY THE WEIGHTS
#: REFACTOR, which lands their hints; empty this list as it does (the hint check skips
#: exactly the names these modules define, and fails once a listed module is complete)
HINTED_BY_WEIGHTS_REFACTOR: tuple[str, ...] = ()


#: names hints use that the library imports under ``if TYPE_CHECKING:`` only, so here
#: they are supplied: optional dependencies (``pd.DataFrame``, ``distributed.Client``,
#: ``neo``) and matplotlib's Figure, which the experiments name without importing
#: matplotlib (``import sensorynet`` stays fast)
TYPE_ONLY_IMPORTS = {"pd": "pandas", "distributed": "distributed", "neo": "neo",
                     "Figure": "matplotlib.figure:Figure"}


def _face(name: str) -> typing.Any:
    return importlib.import_module(name)


def _hint_namespace() -> dict[str, typing.Any]:
    """Names an annotation may use without a run-time import: what the faces export
    (imported under ``if TYPE_CHECKING:`` where a run-time import is forbidden, e.g.
    plotting naming the experiments' results) and :data:`TYPE_ONLY_IMPORTS`."""
    ns = {}
    for alias, target in TYPE_ONLY_IMPORTS.items():
        module, _, attr = target.partition(":")
        obj = importlib.import_module(module)
        ns[alias] = getattr(obj, attr) if attr else obj
    for face in FACES:
        ns.update((n, getattr(_face(face), n)) for n in _face(face).__all__)
    return ns


def _exported(face: str) -> list[tuple[str, typing.Any]]:
    mod = _face(face)
    return [(n, getattr(mod, n)) for n in mod.__all__]


_PACKAGE_DIR = pathlib.Path(sensorynet.__file__).resolve().parent


def _written_in_package(func: typing.Any) -> bool:
    """Whether ``func`` is source code of the package (not generated, e.g. the
    ``__eq__`` of a dataclass, and not inherited from a dependency)."""
    code = getattr(func, "__code__", None)
    return code is not None and pathlib.Path(code.co_filename).resolve().is_relative_to(
        _PACKAGE_DIR)


def _own_class_members(cls: type) -> list[tuple[str, typing.Any]]:
    """Methods and properties a user of ``cls`` calls: those written in sensorynet
    (in the class or a sensorynet base), public or dunder, one per name."""
    seen: dict[str, typing.Any] = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("sensorynet"):
            continue
        for name, member in vars(klass).items():
            private = name.startswith("_") and not (name.startswith("__")
                                                    and name.endswith("__"))
            if private or name in seen:
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if inspect.isfunction(member) and _written_in_package(member):
                seen[name] = member
    return sorted(seen.items())


def _hint_problems(func: typing.Any, where: str) -> list[str]:
    """What is missing or unresolvable in the annotations of ``func``."""
    problems = []
    try:
        hints = typing.get_type_hints(func, localns=_hint_namespace())
    except Exception as exc:     # an annotation naming something that does not exist
        return [f"{where}: annotations do not resolve ({type(exc).__name__}: {exc})"]
    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and "." in func.__qualname__:
        params = params[1:]          # the bound instance or class needs no hint
    for p in params:
        if p.name not in hints:
            problems.append(f"{where}: parameter {p.name!r} has no annotation")
    if "return" not in hints:
        problems.append(f"{where}: no return annotation")
    return problems


def _callable_problems(obj: typing.Any, where: str) -> list[str]:
    if inspect.isclass(obj):
        return [p for name, m in _own_class_members(obj)
                for p in _hint_problems(m, f"{where}.{name}")]
    return _hint_problems(obj, where)


def _exported_callables() -> list[tuple[str, str, typing.Any]]:
    return [(face, name, obj) for face in FACES for name, obj in _exported(face)
            if callable(obj) and (inspect.isclass(obj) or inspect.isroutine(obj))]


def _defining_module(obj: typing.Any) -> str:
    return getattr(obj, "__module__", "") or ""


# ------------------------------------------------------------------------- __all__
def _public_names(face: str) -> set[str]:
    """The public names a face makes: a package (``__init__``) every name it binds but
    its submodules (its imports are its exports); a module the names it defines itself
    (``def``, ``class``, assignments: its imports serve its own code)."""
    mod = _face(face)
    if hasattr(mod, "__path__"):
        return {n for n, v in vars(mod).items() if not n.startswith("_")
                and not inspect.ismodule(v)
                # ``from __future__ import annotations`` binds a feature: not an export
                and type(v).__module__ != "__future__"}
    names = set()
    for node in ast.parse(inspect.getsource(mod)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("face", FACES)
def test_all_is_exactly_what_the_face_exports(face):
    mod = _face(face)
    exported = set(mod.__all__)
    assert len(exported) == len(mod.__all__), f"{face}.__all__ lists a name twice"
    missing = sorted(n for n in exported if not hasattr(mod, n))
    assert not missing, f"{face}.__all__ names what the face does not define: {missing}"
    public = sorted(_public_names(face) - exported)
    assert not public, f"{face} defines public names missing from its __all__: {public}"


def test_the_reference_documents_exactly_the_faces():
    """docs/_ext/sensorynet_docs.py writes one reference page per face."""
    spec = importlib.util.spec_from_file_location(
        "sensorynet_docs", ROOT / "docs" / "_ext" / "sensorynet_docs.py")
    docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs)
    assert tuple(docs.PUBLIC_MODULES) == FACES


def test_only_faces_are_public_modules():
    """Implementation modules are private (``_name``); a public module is a face."""
    public = []
    for info in pkgutil.walk_packages(sensorynet.__path__, "sensorynet."):
        parts = info.name.split(".")
        if not any(p.startswith("_") for p in parts[1:]) and info.name not in FACES:
            public.append(info.name)
    assert not public, f"public modules that are not faces: {public}"


@pytest.mark.parametrize("face", FACES)
def test_faces_stay_small(face):
    n = len(_face(face).__all__)
    print(f"{face}: {n} exported names")
    assert 1 <= n <= MAX_FACE_SIZE, f"{face} exports {n} names (at most {MAX_FACE_SIZE})"


# --------------------------------------------------------------------------- hints
@pytest.mark.parametrize("face,name,obj", _exported_callables(),
                         ids=[f"{f}.{n}" for f, n, _ in _exported_callables()])
def test_exported_callables_are_fully_hinted(face, name, obj):
    module = _defining_module(obj)
    if module in HINTED_BY_WEIGHTS_REFACTOR:
        pytest.skip(f"{module}: HINTED_BY_WEIGHTS_REFACTOR")
    problems = _callable_problems(obj, f"{face}.{name}")
    assert not problems, "\n".join(problems)


def test_hint_skips_are_only_the_weights_refactor_and_still_needed():
    skipped = set(HINTED_BY_WEIGHTS_REFACTOR)
    assert len(skipped) == len(HINTED_BY_WEIGHTS_REFACTOR)
    outside = sorted(m for m in skipped if not _in_weights_refactor(m))
    assert not outside, f"only modules of the weights refactor may be skipped: {outside}"
    incomplete = {_defining_module(obj) for face, name, obj in _exported_callables()
                  if _callable_problems(obj, f"{face}.{name}")}
    done = sorted(skipped - incomplete)
    assert not done, f"fully hinted now, remove from HINTED_BY_WEIGHTS_REFACTOR: {done}"


def test_hint_check_catches_a_missing_or_unresolvable_annotation():
    def no_return(x: int):
        return x

    def no_param(x) -> int:
        return 0

    def unresolvable(x: NoSuchType) -> int:  # noqa: F821 -- deliberately unresolvable
        return 0

    def complete(x: int, *args: str, y: float = 1.0, **kw: object) -> int:
        return 0

    assert _hint_problems(no_return, "f") == ["f: no return annotation"]
    assert _hint_problems(no_param, "f") == ["f: parameter 'x' has no annotation"]
    assert "do not resolve" in _hint_problems(unresolvable, "f")[0]
    assert _hint_problems(complete, "f") == []


# --------------------------------------------------------------------- type checker
def _mypy_module_matches(pattern: str, module: str) -> bool:
    # mypy's override patterns: "a.b" exactly, "a.b.*" a.b and everything below it
    if pattern.endswith(".*"):
        return module == pattern[:-2] or module.startswith(pattern[:-1])
    return module == pattern


def test_type_checker_runs_in_ci_strict_but_for_the_weights_refactor():
    """``mypy sensorynet`` runs in .ci/run with every function annotated and every body
    checked; only the weights refactor's modules are exempt while their hints land."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    for flag in ("disallow_untyped_defs", "disallow_incomplete_defs", "check_untyped_defs"):
        assert config.get(flag) is True, f"[tool.mypy] {flag} must be true"
    modules = [info.name for info in pkgutil.walk_packages(sensorynet.__path__, "sensorynet.")]
    for override in config.get("overrides", []):
        if all(override.get(f, True) for f in ("disallow_untyped_defs", "check_untyped_defs")):
            continue
        patterns = override["module"]
        patterns = [patterns] if isinstance(patterns, str) else patterns
        relaxed = {m for m in modules for p in patterns if _mypy_module_matches(p, m)}
        assert relaxed, f"override {patterns} matches no module"
        outside = sorted(m for m in relaxed if not _in_weights_refactor(m))
        assert not outside, f"mypy is relaxed for modules outside the weights refactor: {outside}"
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^mypy sensorynet$", ci, re.M), ".ci/run does not run mypy sensorynet"
