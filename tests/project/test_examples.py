"""The documented example of a protocol of one's own runs through the command line."""
import json
import pathlib
import sys

import pytest

from sensorynet.cli import main
from sensorynet.experiments import PROTOCOLS

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "custom_protocol.py"


@pytest.fixture
def clean_registry():
    yield
    PROTOCOLS._items.pop("contrast", None)
    sys.modules.pop("sensorynet_plugin_custom_protocol", None)


def test_custom_protocol_runs_through_reproduce(tmp_path, clean_registry, capsys):
    out = tmp_path / "out"
    assert main(["reproduce", "--import", str(EXAMPLE), "--experiments",
                 "published,contrast", "--blocks", "1", "--out", str(out),
                 "--no-progress"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    c = m["contrast"]
    assert c["contrasts"] == [0.0, 0.1, 0.2, 0.4]
    # a stronger grating drives the E neurons harder, before and after learning
    for phase in ("before", "after"):
        assert c[f"rate_E_{phase}"] == sorted(c[f"rate_E_{phase}"])
    rec = [r for r in m["claims"] if r["experiment"] == "contrast"]
    assert len(rec) == 1 and rec[0]["kind"] == "finding"
    assert (out / "contrast_response.png").read_bytes()[:4] == b"\x89PNG"
    assert "| contrast |" in (out / "report.md").read_text()
    assert "contrast" in capsys.readouterr().out


def test_an_unknown_module_is_a_one_line_error(tmp_path, capsys):
    assert main(["reproduce", "--import", str(tmp_path / "nope.py"), "--out",
                 str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--import" in err and "nope.py" in err


def test_protocol_names_are_checked():
    from sensorynet.experiments import Protocol
    for bad in ("All", "all", "1st", "with space", ""):
        with pytest.raises(ValueError, match="Protocol.name"):
            Protocol(bad, lambda ctx: None)
    with pytest.raises(ValueError, match="registered already"):
        from sensorynet.experiments import register_protocol
        register_protocol(Protocol("published", lambda ctx: None))
