"""Tests of sensorynet.widgets._protocols: the panel iterates the protocol registry."""
import pytest
from matplotlib.figure import Figure

from sensorynet.experiments import PROTOCOLS, FigureSpec, Protocol, register_protocol
from sensorynet.widgets import protocol_panel


class _Result:
    def __init__(self, n):
        self.n = n

    def metrics(self):
        return {"n": self.n}

    def claims(self):
        return [{"claim": "the network has neurons", "measured": str(self.n),
                 "expected": "> 0", "holds": self.n > 0, "kind": "sanity", "key": "has_N"}]


def _figure(title):
    def draw(result):
        fig = Figure(figsize=(3, 2))
        fig.add_subplot().set_title(f"{title}: N = {result.n}")
        return fig
    return draw


@pytest.fixture
def user_protocol():
    """A protocol registered by 'a user's module', removed from the registry afterwards."""
    runs = []

    def run(ctx):
        runs.append(ctx)
        return _Result(ctx.learned().N)
    register_protocol(Protocol("user_count", run, description="count the neurons",
                               figures=(FigureSpec("user_a", _figure("a")),
                                        FigureSpec("user_b", _figure("b")))))
    yield runs
    PROTOCOLS._items.pop("user_count", None)


def test_every_registered_protocol_is_a_choice_and_runs(published, user_protocol):
    panel = protocol_panel(published, protocol="user_count")
    assert [v for _, v in panel.controls["protocol"].options] == [
        n for n in PROTOCOLS if n != "published"]
    assert panel.n_renders == 0 and not user_protocol          # nothing runs before Run
    panel.run()
    ctx, = user_protocol
    assert (ctx.published is published and ctx.seed == published.seed
            and ctx.n_blocks == published.n_blocks and ctx.params == published.params)
    assert panel.state["figures"] == ["user_a", "user_b"]
    assert panel.state["figure"] == "user_a" and panel.state["checks"] == {"has_N": True}
    assert "1 of 1 checks hold" in panel.summary.value
    n = panel.n_renders
    panel.controls["figure"].value = "user_b"                     # a view: no new run
    assert panel.state["figure"] == "user_b" and panel.n_renders == n + 1
    assert panel.figure.axes[0].get_title() == f"b: N = {published.N}"
    assert len(user_protocol) == 1
    panel.run()                                                   # memoised per protocol
    assert len(user_protocol) == 1


def test_bad_input_is_refused(published):
    with pytest.raises(ValueError, match="protocol"):
        protocol_panel(published, protocol="no_such_protocol")
    with pytest.raises(ValueError, match="protocol"):
        protocol_panel(published, protocol="published")
    with pytest.raises(TypeError, match="published"):
        protocol_panel({"W": None})
