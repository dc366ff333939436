"""Parameter sets that validate one by one but cannot run together are refused before
anything is built: by reproduce (one line, exit 2, nothing written), run_published and
the sweep's dry run."""
import pytest

import sensorynet as sn
from sensorynet._runnable import check_runnable
from sensorynet.cli import main

CASES = [
    ({"network.g": 12.0}, ["network.g", "w_min_inh"]),
    ({"input.b": 60000.0}, ["input.b", "72000 Hz", "at most 50"]),
    ({"input.spontaneous_rate": 1e5}, ["input.spontaneous_rate"]),
    ({"network.dt": 0.3}, ["protocol.test_ms=2000 ms", "network.dt=0.3"]),
]


@pytest.mark.parametrize("changes, words", CASES)
def test_unrunnable_parameters_are_refused_before_building(changes, words, monkeypatch):
    params = sn.ModelParams().replace(**changes)
    with pytest.raises(ValueError) as info:
        check_runnable(params)
    for w in words:
        assert w in str(info.value)
    built = []
    monkeypatch.setattr("sensorynet.experiments._published.build_network",
                        lambda *a, **k: built.append(1))
    with pytest.raises(ValueError):
        sn.run_published(params, n_blocks=1, progress=False)
    assert built == []


@pytest.mark.parametrize("changes, words", CASES)
def test_reproduce_refuses_them_in_one_line(changes, words, tmp_path, capsys):
    sets = [a for k, v in changes.items() for a in ("--set", f"{k}={v}")]
    assert main(["reproduce", "--out", str(tmp_path / "o"), "--blocks", "1",
                 "--no-progress", *sets]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("sensorynet reproduce: error:")
    assert all(w in err for w in words), err
    assert not (tmp_path / "o").exists()


def test_no_blocks_no_plasticity_bounds():
    check_runnable(sn.ModelParams().replace(**{"network.g": 12.0}), n_blocks=0)


def test_the_same_parameter_set_twice_is_an_error(tmp_path, capsys):
    assert main(["reproduce", "--out", str(tmp_path / "o"), "--set", "g=6",
                 "--set", "network.g=7", "--blocks", "0", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "network.g" in err and "twice" in err
