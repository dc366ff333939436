"""sensorynet._background: a module imported in a thread while the body runs."""
import sys
import threading

import pytest

from sensorynet._background import SWITCH_INTERVAL, importing_meanwhile


@pytest.fixture
def probe_module(tmp_path, monkeypatch):
    """A module that is not imported yet and records the thread importing it."""
    name = "sensorynet_background_probe"
    (tmp_path / f"{name}.py").write_text(
        "import threading\nIMPORTED_IN = threading.current_thread().name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    yield name
    sys.modules.pop(name, None)


def test_module_is_imported_in_another_thread_and_joined(probe_module):
    before = sys.getswitchinterval()
    with importing_meanwhile(probe_module):
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before
    mod = sys.modules[probe_module]          # imported once the body has ended
    assert mod.IMPORTED_IN != threading.current_thread().name


def test_interval_is_restored_when_the_body_raises(probe_module):
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="simulation failed"):
        with importing_meanwhile(probe_module, switch_interval=1e-3):
            assert sys.getswitchinterval() == pytest.approx(1e-3)
            raise RuntimeError("simulation failed")
    assert sys.getswitchinterval() == before
