"""The protocol registry: every experiment registered once, iterated by everything else.

A :class:`Protocol` names an experiment and says how to run it (a function of a
:class:`RunContext`), which figures it draws (plot functions named lazily, so that
experiments never import :mod:`sensorynet.plotting`) and how long it takes. Its run
returns a result with ``metrics()`` (JSON-ready numbers) and ``claims()`` (check
records). ``sensorynet reproduce``, the report, the claims table and the sweeps read
:data:`PROTOCOLS`; adding an experiment is one module plus one
:func:`register_protocol` call (``examples/custom_protocol.py``).
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, runtime_checkable
from typing import Protocol as _TypingProtocol

from .._params import ModelParams
from .._results import ExperimentResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ProtocolResult", "RunContext", "FigureSpec", "Protocol", "PROTOCOLS",
           "register_protocol", "protocol_names", "resolve"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@runtime_checkable
class ProtocolResult(_TypingProtocol):
    """What a protocol's run returns."""

    def metrics(self) -> dict[str, Any]:
        """JSON-ready numbers, stored under the protocol's name in ``metrics.json``."""
        ...

    def claims(self) -> list[dict[str, Any]]:
        """Check records (``claim``, ``measured``, ``expected``, ``holds``, ``kind``, ...)."""
        ...


@dataclass(frozen=True)
class RunContext:
    """Everything a protocol's run receives.

    Attributes
    ----------
    params : ModelParams
        The model (published, or changed by ``--set`` / ``--neurons``).
    seed : int
        Root seed of the run.
    n_blocks : int
        Learning blocks of the published protocol.
    progress : bool
        Show progress bars.
    published : ExperimentResult or None
        The learned published run, for every protocol but ``"published"`` itself.
    """

    params: ModelParams
    seed: int
    n_blocks: int
    progress: bool = False
    published: ExperimentResult | None = None

    def learned(self) -> ExperimentResult:
        """The published run this protocol starts from (``ValueError`` if absent)."""
        if self.published is None:
            raise ValueError("this protocol needs the learned published run "
                             "(RunContext.published is None)")
        return self.published


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a protocol.

    Attributes
    ----------
    stem : str
        File name without ``.png``.
    plot : str or callable
        A function returning a matplotlib Figure, or its name as ``"module:function"``
        (imported only when the figure is drawn).
    of : str, optional
        Attribute of the protocol's result passed to ``plot`` (default: the result
        itself). The figure is skipped when that attribute is None.
    """

    stem: str
    plot: str | Callable[[Any], Figure]
    of: str | None = None

    def maker(self, result: Any) -> Callable[[], Figure] | None:
        """A zero-argument function drawing this figure of ``result``, or None."""
        arg = result if self.of is None else getattr(result, self.of)
        if arg is None:
            return None
        plot = resolve(self.plot)
        return lambda: plot(arg)


@dataclass(frozen=True)
class Protocol:
    """A registered experiment.

    Attributes
    ----------
    name : str
        Lower-case identifier used by ``--experiments`` and as the key of its metrics.
    run : callable
        ``run(context: RunContext) -> ProtocolResult``.
    figures : tuple of FigureSpec
    cost_s : float
        Expected CPU time of run and figures at N = 500, s (orders parallel jobs).
    description : str
        One line for ``--help`` and the report.
    check : callable, optional
        Run before any protocol runs (raises ``ValueError``): e.g. validates the data
        files the protocol reads, so a damaged one is reported at once, not after the
        simulation.
    """

    name: str
    run: Callable[[RunContext], ProtocolResult]
    figures: tuple[FigureSpec, ...] = field(default=())
    cost_s: float = 1.0
    description: str = ""
    check: Callable[[], object] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"Protocol.name must be a lower-case identifier "
                             f"([a-z][a-z0-9_]*), got {self.name!r}")
        if self.name == "all":
            raise ValueError("Protocol.name 'all' is reserved (--experiments all)")
        if not callable(self.run):
            raise TypeError(f"Protocol.run must be callable, got {type(self.run).__name__}")
        figs = tuple(self.figures)
        if not all(isinstance(f, FigureSpec) for f in figs):
            raise TypeError("Protocol.figures must be FigureSpec objects")
        object.__setattr__(self, "figures", figs)
        if not (isinstance(self.cost_s, (int, float)) and self.cost_s >= 0):
            raise ValueError(f"Protocol.cost_s must be a number >= 0, got {self.cost_s!r}")

    def figure_makers(self, result: Any) -> dict[str, Callable[[], Figure]]:
        """``{stem: make}`` of the figures ``result`` has."""
        out = {}
        for spec in self.figures:
            make = spec.maker(result)
            if make is not None:
                out[spec.stem] = make
        return out


class _Registry(Mapping[str, Protocol]):
    """Protocols by name, in registration order (``published`` first)."""

    def __init__(self) -> None:
        self._items: dict[str, Protocol] = {}

    def __getitem__(self, name: str) -> Protocol:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"no protocol named {name!r}; registered: "
                           f"{', '.join(self._items)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"PROTOCOLS({', '.join(self._items)})"


#: every registered protocol, by name
PROTOCOLS = _Registry()


def register_protocol(protocol: Protocol, *, replace: bool = False) -> Protocol:
    """Add ``protocol`` to :data:`PROTOCOLS` and return it.

    Raises
    ------
    ValueError
        If a protocol of that name is registered already and ``replace`` is False.
    """
    if not isinstance(protocol, Protocol):
        raise TypeError(f"protocol must be a Protocol, got {type(protocol).__name__}")
    if protocol.name in PROTOCOLS._items and not replace:
        raise ValueError(f"a protocol named {protocol.name!r} is registered already "
                         "(pass replace=True to replace it)")
    PROTOCOLS._items[protocol.name] = protocol
    return protocol


def protocol_names() -> tuple[str, ...]:
    """Names of the registered protocols, ``published`` first."""
    return tuple(PROTOCOLS)


def resolve(target: str | Callable[..., Any]) -> Callable[..., Any]:
    """A callable, or the object a ``"module:attribute"`` string names."""
    if callable(target):
        return target
    module, sep, attr = str(target).partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"expected 'module:attribute', got {target!r}")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
