"""Fault injection for ``sensorynet reproduce``: signals at several points of a run, a
full disk. Whatever happens, the output directory never looks complete while holding
files of two runs, Ctrl-C and SIGTERM end with one line and exit 130, no process and no
staging directory outlives the command (a killed run's is removed by the next run)."""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from sensorynet._reproduce import INCOMPLETE, MANIFEST

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

ARGS = ["--blocks", "6", "--experiments", "spontaneous,cardinal", "--no-progress"]
#: (line of output to wait for, extra delay s): while the published network learns,
#: while the further protocols run on the workers, while the published figures are drawn
POINTS = [("[published] N=", 0.3), ("[spontaneous] running", 0.2), ("[published] E", 0.0)]


def _children(pid):
    out = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.add(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _tree(pid):
    seen, todo = set(), [pid]
    while todo:
        kids = _children(todo.pop()) - seen
        seen |= kids
        todo += list(kids)
    return seen


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _run(out, *extra, env=None, preexec_fn=None):
    return subprocess.Popen([sys.executable, "-m", "sensorynet", "reproduce", "--out",
                             str(out), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=preexec_fn)


def _state(out):
    """``"absent"``, ``"incomplete"`` or the seed of the one complete run ``out`` holds;
    fails if ``out`` looks complete but holds files of two runs or misses some."""
    if not out.exists():
        return "absent"
    names = {p.name for p in out.iterdir()}
    if INCOMPLETE in names:
        return "incomplete"
    files = json.loads((out / MANIFEST).read_text())["files"]
    assert names == set(files) | {MANIFEST}, names ^ (set(files) | {MANIFEST})
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.loads((out / "report.md").read_text().split("| seed | ")[1].split(" |")[0]) \
        == metrics["seed"]
    return metrics["seed"]


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A complete earlier run (seed 1) of the same directory."""
    out = tmp_path_factory.mktemp("prev") / "out"
    p = _run(out, "--seed", "1", *ARGS)
    assert p.wait(timeout=300) == 0, p.stderr.read()
    return out


@pytest.mark.parametrize("point", range(len(POINTS)))
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_signal_never_leaves_a_mixed_directory(previous, tmp_path, sig, point,
                                                 interruptible):
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    wait_for, delay = POINTS[point]
    p = _run(out, "--seed", "2", *ARGS, preexec_fn=interruptible)
    for line in p.stdout:
        if wait_for in line:
            break
    time.sleep(delay)
    tree = _tree(p.pid)
    p.send_signal(sig)
    stdout, stderr = p.communicate(timeout=120)    # returns: no worker holds the pipes
    state = _state(out)
    if sig == signal.SIGKILL:
        assert p.returncode == -9
        assert state in (1, 2, "incomplete")
    else:
        # interrupted, or finished just before the signal arrived
        assert (p.returncode, state) in ((130, 1), (0, 2)), (p.returncode, state, stderr)
        if p.returncode == 130:
            assert stderr.strip().splitlines() == [
                "sensorynet reproduce: interrupted; the output directory was not changed"]
        assert not list(tmp_path.glob(".out.partial-*"))
    deadline = time.monotonic() + 5
    while any(_alive(q) for q in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [q for q in tree if _alive(q)]
    for q in survivors:
        os.kill(q, signal.SIGKILL)
    assert not survivors
    # the next run completes and clears what a killed one left behind
    again = _run(out, "--seed", "3", "--blocks", "0", "--no-progress")
    assert again.wait(timeout=300) == 0, again.stderr.read()
    assert _state(out) == 3 and not list(tmp_path.glob(".out.partial-*"))


def test_a_full_disk_leaves_the_previous_run_and_names_the_file(previous, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    # room for the previous run without its figures and 1 MB more: the new run's result
    # file fits, its figures do not
    kept = sum(p.stat().st_size for p in previous.iterdir() if p.suffix != ".png")
    size_kb = kept // 1024 + 1024
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    try:
        out = disk / "out"
        shutil.copytree(previous, out, ignore=shutil.ignore_patterns("*.png"))
        files = json.loads((out / MANIFEST).read_text())["files"]
        (out / MANIFEST).write_text(json.dumps({"files": [f for f in files
                                                          if not f.endswith(".png")]}))
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        p = _run(out, "--seed", "2", *ARGS)
        _, stderr = p.communicate(timeout=300)
        assert p.returncode == 1
        line, = stderr.strip().splitlines()
        assert line.startswith("sensorynet reproduce: error:")
        assert os.strerror(errno.ENOSPC) in line and str(disk) in line
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        assert sorted(p.name for p in disk.iterdir()) == ["out"]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
