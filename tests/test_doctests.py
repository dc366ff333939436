"""Every docstring example of the package runs, as printed (doctest)."""
import doctest
import importlib
import pkgutil

import pytest

import sensorynet

MODULES = sorted(m.name for m in pkgutil.walk_packages(sensorynet.__path__, "sensorynet.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                          verbose=False, report=True)
    assert res.failed == 0


def test_public_api_has_examples():
    """The entry points a newcomer meets first show an example in their docstring."""
    import sensorynet.analysis as an
    for f in (sensorynet.simulate, sensorynet.run_published, sensorynet.ModelParams,
              an.specificity, an.osi, an.circular_distance):
        assert ">>>" in (f.__doc__ or ""), f.__qualname__
