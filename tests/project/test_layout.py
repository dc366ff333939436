"""The package layout: import contracts, examples, citations, the README and the
docs front page as printed."""
import contextlib
import io
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    """Imports follow the data flow (.importlinter): analysis never imports experiments,
    plotting never runs a simulation, the core imports nothing above it."""
    exe = shutil.which("lint-imports") or str(pathlib.Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run([exe, "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_public_api_has_examples():
    """The entry points a newcomer meets first show an example in their docstring."""
    import sensorynet
    import sensorynet.analysis as an
    for f in (sensorynet.simulate, sensorynet.run_published, sensorynet.ModelParams,
              an.specificity, an.osi, an.delta_po):
        assert ">>>" in (f.__doc__ or ""), f.__qualname__


def test_citations_point_to_the_projects_model_document():
    text = (ROOT / "docs" / "model.md").read_text()
    sections = set(re.findall(r"^##+ (\d+(?:\.\d+)?)", text, re.M))
    files = [*(ROOT / "sensorynet").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb"),
             ROOT / "README.md"]
    for f in files:
        body = f.read_text()
        assert "MODEL.md" not in body, f
        for sec in re.findall(r"docs/model\.md §(\d+(?:\.\d+)?)", body):
            assert sec in sections, (f, sec)


def _index_blocks():
    text = (ROOT / "docs" / "index.md").read_text()
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_docs_index_python_and_table_as_printed():
    """docs/index.md: the first look from Python prints what its comments say, and the
    "What you get" table holds the numbers of the default run."""
    from sensorynet.experiments import selectivity_analysis
    blocks = _index_blocks()
    assert len(blocks) == 1
    ns = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "docs/index.md", "exec"), ns)
    res = ns["res"]
    rates = res.spikes["after"].population_rates()
    assert f"'E': {rates['E']:.2f}" in blocks[0] and f"'I': {rates['I']:.2f}" in blocks[0]
    spec = ns["specificity"](res.W, res.po, res.n_exc, "EE")
    assert "[" + " ".join(f"{v:.3f}" for v in spec) + "]" in blocks[0]
    assert ns["p"].network.g == 6.0

    text = (ROOT / "docs" / "index.md").read_text()
    before = res.spikes["before"].population_rates()
    spec0 = ns["specificity"](res.W0, res.po, res.n_exc, "EE")
    m = selectivity_analysis(res).metrics()
    osi = m["osi"]
    surplus = m["bidirectional_dpo_matched"]
    rows = [
        f"| {before['E']:.2f} → {rates['E']:.2f} |",
        f"| {before['I']:.2f} → {rates['I']:.2f} |",
        "| " + " / ".join(f"{v:.2f}" for v in spec0) + " |",
        "| " + " / ".join(f"{v:.2f}" for v in spec) + " |",
        f"| {osi['before']['E']:.2f} → {osi['after']['E']:.2f} |",
        f"| {surplus['surplus_global']:.2f} → {surplus['surplus_dpo']:.2f} |",
    ]
    for row in rows:
        assert row in text, row


def _readme():
    return (ROOT / "README.md").read_text()


def test_readme_test_command_is_the_one_ci_runs():
    """The README's test command is run, character for character, by .ci/run."""
    commands = re.findall(r"^```bash\n(.*?)^```", _readme(), re.S | re.M)
    tests = [line for block in commands for line in block.splitlines() if "pytest" in line]
    assert tests == ['pip install -e ".[test]" && pytest']
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests[0] in ci


def test_readme_states_no_number_it_does_not_make():
    """Numbers belong to the pages whose code produces them: outside code, links and
    the citation, the README has no digits."""
    text = _readme()
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)     # code blocks
    text = re.sub(r"`[^`]*`", "", text)                              # code spans
    text = re.sub(r"\]\([^)]*\)", "]", text)                         # link targets
    text = text.replace("(2015)", "").replace("11:e1004307", "")     # the citation
    assert not re.findall(r".{0,30}\d.{0,30}", text)
