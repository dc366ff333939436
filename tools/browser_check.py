#!/usr/bin/env python
"""Run every notebook in JupyterLab in a real (headless) Chromium and check what it shows.

Called by ``.ci/browser_check``, which installs Chromium, starts JupyterLab (with
``--LabApp.expose_app_in_browser=True``, autosave off, no virtual scrolling) and stops it
again. For each ``notebooks/0*.ipynb``:

1. open it in JupyterLab (``/lab/tree/notebooks/NAME``, fresh workspace), wait for
   its kernel;
2. *Edit > Clear Outputs of All Cells*, then *Run > Run All Cells* (the menus, clicked);
   wait until the kernel is idle, no cell shows ``[*]`` and every code cell has run;
3. check: no error output (no output of type ``error`` in the notebook model, no
   stderr text with "Traceback" or "Error"); every widget output rendered as a control
   (no "Loading widget…", "Error displaying widget", "Failed to load model class");
   notebooks 01–08 show a control panel (``img.widget-image``), 00 none;
4. change every control listed for the panel (see :data:`CHANGES`) as a user would --
   type into a slider's readout, press an arrow key on a slider, pick a dropdown entry,
   click a toggle or a checkbox (and *Run*) -- and check that the panel's figure
   changes (the PNG bytes behind its ``<img>``). The **latency** of each control is
   measured in the page: from the user's event (the Enter, key, click or change event,
   caught before the widget sees it) to the moment the panel's ``<img>`` gets its new
   ``src`` (a MutationObserver), and reported per control, marked ``view`` (redraws
   precomputed results; the goal is <= 0.3 s) or ``compute`` (runs a simulation; the
   panel shows its busy state meanwhile);
5. screenshots: ``NN_full.png`` (the whole notebook after the run),
   ``NN_panel_before.png`` and ``NN_panel_after.png`` (the panel's output area, before
   the first change and after the last);
6. shut the kernel down, and make sure the notebook file on disk was not modified.

Exits 1 with one ``FAILED`` line per failed check (all notebooks are tried), 0 if all
pass. Requires selenium (``pip install -e ".[browser]"``), /usr/bin/chromium and
/usr/bin/chromedriver (Debian's chromium, chromium-driver).

    python tools/browser_check.py --url http://127.0.0.1:8888 --token TOKEN \\
        --screenshots .ci/screenshots [01 06]
"""
from __future__ import annotations

import argparse
import hashlib
import pathlib
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000"]
BAD_WIDGET_TEXT = ("Loading widget", "Error displaying widget", "Failed to load model class")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STDERR_MIME = "application/vnd.jupyter.stderr"

#: The controls changed in each notebook's panel, in order: (mode, kind, label, new
#: value[, button]). ``mode`` is ``"view"`` (redraws precomputed results) or
#: ``"compute"`` (runs a simulation, with the panel's busy state). Notebook 04's panel
#: has no live control, so its switch is followed by its Run button (the result for the
#: new setting was precomputed by the notebook). ``key`` sliders are moved by one step
#: with the arrow key (selection sliders have no editable readout).
CHANGES = {
    "01": [("view", "slider", "neuron", "7"),
           ("compute", "slider", "inhibition g", "6.0")],
    "02": [("view", "slider", "neuron", "7")],
    "03": [("view", "slider", "learning blocks completed", "10"),
           ("view", "slider", "learning blocks completed", "11"),
           ("view", "toggle", "pathway", "I→E"),
           ("view", "slider", "learning blocks completed", "30")],
    "04": [("compute", "toggle", "rule", "I→E LTD off", "Run spontaneous activity")],
    "05": [("view", "slider", "class half-width (deg)", "10"),
           ("view", "slider", "class half-width (deg)", "20")],
    "06": [("view", "dropdown", "metric", "spec_EE_contrast"),
           ("view", "checkbox", "swap axes", "")],
    "07": [("view", "dropdown", "scaling rule", "expected_indegree"),
           ("view", "key", "neurons N", "ARROW_LEFT"),
           ("view", "dropdown", "scaling rule", "balanced")],
    "08": [("view", "key", "detection threshold (mV)", "ARROW_RIGHT"),
           ("view", "key", "detection threshold (mV)", "ARROW_RIGHT")],
}

#: view-only controls should redraw within this (reported, not enforced: the machine's
#: load sets the absolute numbers)
VIEW_GOAL_S = 0.3

# --------------------------------------------------------------------- browser JS
JS_STATE = """
const app = window.jupyterapp;
if (!app) return {phase: 'no-app'};
const w = app.shell.currentWidget;
if (!w || !w.content || !w.sessionContext || !w.context) return {phase: 'no-notebook'};
if (!w.context.path.endsWith(arguments[0])) return {phase: 'other-document', path: w.context.path};
if (!w.context.isReady) return {phase: 'loading'};
const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
const cells = w.content.widgets;
let code = 0, counted = 0, queued = 0, errors = [];
for (const cell of cells) {
  if (cell.model.type !== 'code') continue;
  code += 1;
  if (cell.model.executionCount != null) counted += 1;
  const prompt = cell.node.querySelector('.jp-InputPrompt');
  if (prompt && prompt.textContent.includes('*')) queued += 1;
  for (const o of cell.model.outputs.toJSON()) {
    if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
  }
}
return {phase: 'ready', kernel: kernel ? kernel.status : 'none',
        code: code, counted: counted, queued: queued, errors: errors};
"""

JS_DOM_PROBLEMS = r"""
const root = window.jupyterapp.shell.currentWidget.content.node;
const problems = [];
for (const el of root.querySelectorAll('.jp-RenderedText[data-mime-type="%(stderr)s"]')) {
  const t = el.innerText;
  if (t.includes('Traceback') || t.includes('Error')) problems.push('stderr: ' + t.replace(/\s+/g, ' ').slice(0, 300));
}
let widgets = 0, closed = 0;
for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) {
  if (cell.model.type !== 'code') continue;
  const outs = cell.model.outputs;
  for (let i = 0; i < outs.length; i++) {
    if (!('%(widget)s' in outs.get(i).data)) continue;
    widgets += 1;
    const child = cell.outputArea.widgets[i];
    const el = child && child.node;
    const t = el ? el.innerText : '';
    if (!el) { problems.push('widget output ' + i + ' of a cell is not in the page'); continue; }
    for (const bad of %(bad)s) {
      if (t.includes(bad)) problems.push('widget output shows "' + t.slice(0, 200) + '"');
    }
    const rendered = el.querySelector('.jupyter-widgets.widget-container, .jupyter-widgets.widget-inline-hbox, .jupyter-widgets.widget-box, .jupyter-widgets.widget-image, .jupyter-widgets.widget-html');
    // an empty output is a widget closed by the kernel (a finished tqdm progress bar)
    if (!rendered && t.trim() === '' && !el.querySelector('.jupyter-widgets')) closed += 1;
    else if (!rendered) problems.push('widget output without a rendered control: "' + t.slice(0, 200) + '"');
  }
}
const page = document.body.innerText;
for (const bad of %(bad)s) {
  if (page.includes(bad)) problems.push('page shows "' + bad + '"');
}
return {problems: problems, widgets: widgets, closed: closed,
        panels: root.querySelectorAll('img.widget-image').length};
""" % {"stderr": STDERR_MIME, "widget": WIDGET_MIME,
       "bad": "[" + ", ".join(f"'{b}'" for b in BAD_WIDGET_TEXT) + "]"}

JS_PANEL_IMAGE_DIGEST = """
const done = arguments[arguments.length - 1];
const imgs = window.jupyterapp.shell.currentWidget.content.node.querySelectorAll('img.widget-image');
const img = imgs[imgs.length - 1];
if (!img || !img.src) { done({error: 'no panel image'}); return; }
fetch(img.src).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))
  .then(d => done({src: img.src, loaded: img.complete && img.naturalWidth > 0,
                   natural: img.naturalWidth, shown: img.clientWidth,
                   digest: Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join('')}))
  .catch(e => done({error: String(e)}));
"""

# arm the latency measurement: the first user event (captured before the widgets see it)
# starts the clock, the panel image's next src change stops it
JS_ARM_LATENCY = """
const imgs = window.jupyterapp.shell.currentWidget.content.node.querySelectorAll('img.widget-image');
const img = imgs[imgs.length - 1];
const lat = {t0: null, t1: null, src: img ? img.src : null, events: []};
window.__sn_latency = lat;
const start = (e) => { if (lat.t0 === null && (e.type !== 'keydown' || e.key === 'Enter'
    || e.key.startsWith('Arrow'))) { lat.t0 = performance.now(); lat.events.push(e.type); } };
for (const t of ['keydown', 'click', 'change']) {
  document.addEventListener(t, start, {capture: true});
}
lat.cleanup = () => { for (const t of ['keydown', 'click', 'change'])
  document.removeEventListener(t, start, {capture: true}); };
if (img) {
  const obs = new MutationObserver(() => {
    if (img.src !== lat.src && lat.t1 === null) { lat.t1 = performance.now(); obs.disconnect(); }
  });
  obs.observe(img, {attributes: true, attributeFilter: ['src']});
}
return !!img;
"""

JS_READ_LATENCY = """
const lat = window.__sn_latency;
if (!lat) return null;
return {t0: lat.t0, t1: lat.t1, events: lat.events};
"""

JS_SHUTDOWN = """
const done = arguments[arguments.length - 1];
const w = window.jupyterapp.shell.currentWidget;
w.context.model.dirty = false;            // nothing to save, no "leave page?" prompt
w.sessionContext.shutdown().then(() => done('ok')).catch(e => done(String(e)));
"""


class CheckFailed(Exception):
    pass


def wait_for(fn, timeout, what, interval=0.25):
    """Call ``fn`` until it returns something truthy; CheckFailed after ``timeout`` s."""
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")


def wait_for_server(url, token, pid=None, timeout=90):
    def up():
        if pid is not None and not _alive(pid):
            raise CheckFailed(f"JupyterLab (pid {pid}) exited before it served {url}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False
    wait_for(up, timeout, f"JupyterLab at {url}", interval=0.5)


def _alive(pid):
    import os
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_driver(user_data_dir, log_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS + [f"--user-data-dir={user_data_dir}"]:
        opts.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, log_output=str(log_path))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_script_timeout(120)
    return driver


class NotebookCheck:
    def __init__(self, driver, url, token, shots):
        self.d = driver
        self.url = url
        self.token = token
        self.shots = shots
        self.latencies = []      # (notebook, mode, what, seconds or None)

    # ------------------------------------------------------------ helpers
    def state(self, name):
        return self.d.execute_script(JS_STATE, name)

    def click_menu(self, top, item):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait
        wait = WebDriverWait(self.d, 20)
        bar = wait.until(EC.element_to_be_clickable((
            By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')]"
                      f"[.//div[contains(@class,'lm-MenuBar-itemLabel') and normalize-space()='{top}']]")))
        bar.click()
        entry = wait.until(EC.element_to_be_clickable((
            By.XPATH, f"//ul[contains(@class,'lm-Menu-content')]/li[contains(@class,'lm-Menu-item')]"
                      f"[.//div[contains(@class,'lm-Menu-itemLabel') and normalize-space()='{item}']]")))
        entry.click()

    def panel_digest(self):
        r = self.d.execute_async_script(JS_PANEL_IMAGE_DIGEST)
        if "error" in r:
            raise CheckFailed(f"panel image: {r['error']}")
        return r

    def panel_element(self):
        from selenium.webdriver.common.by import By
        imgs = self.d.find_elements(By.CSS_SELECTOR, "img.widget-image")
        img = imgs[-1]
        return self.d.execute_script(
            "return arguments[0].closest('.jp-OutputArea-output') || arguments[0];", img)

    def screenshot_panel(self, path):
        """The panel's output area, the window made tall enough to show all of it."""
        el = self.panel_element()
        size = self.d.get_window_size()
        h = self.d.execute_script("return arguments[0].getBoundingClientRect().height;", el)
        try:
            self.d.set_window_size(size["width"], int(min(max(h + 400, size["height"]), 16000)))
            self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            time.sleep(0.5)
            el.screenshot(str(path))
        finally:
            self.d.set_window_size(size["width"], size["height"])

    def screenshot_full(self, path):
        """The whole notebook: the window made as tall as the notebook's content."""
        size = self.d.get_window_size()
        h = self.d.execute_script("""
            const nb = window.jupyterapp.shell.currentWidget.content.node;
            const sc = nb.querySelector('.jp-WindowedPanel-outer') || nb;
            return sc.scrollHeight + (window.innerHeight - sc.clientHeight) + 40;""")
        try:
            self.d.set_window_size(size["width"], int(min(max(h, size["height"]), 16000)))
            time.sleep(0.8)
            self.d.execute_script("""
                const nb = window.jupyterapp.shell.currentWidget.content.node;
                (nb.querySelector('.jp-WindowedPanel-outer') || nb).scrollTop = 0;""")
            time.sleep(0.3)
            self.d.save_screenshot(str(path))
        finally:
            self.d.set_window_size(size["width"], size["height"])

    # -------------------------------------------------------------- steps
    def open(self, name):
        self.d.get(f"{self.url}/lab/tree/notebooks/{name}?reset&token={self.token}")

        def ready():
            s = self.state(name)
            return s if s.get("phase") == "ready" and s["kernel"] == "idle" else None
        wait_for(ready, 120, f"{name} to open with an idle kernel")
        self.d.execute_script("window.jupyterapp.shell.collapseLeft();")

    def run_all(self, name, timeout):
        self.click_menu("Edit", "Clear Outputs of All Cells")
        wait_for(lambda: self.state(name)["counted"] == 0, 20, "the outputs to be cleared")
        self.click_menu("Run", "Run All Cells")
        t0 = time.monotonic()
        stable = {"n": 0}

        def finished():
            s = self.state(name)
            done = s["kernel"] == "idle" and s["queued"] == 0 and (
                s["counted"] == s["code"] or s["errors"])
            stable["n"] = stable["n"] + 1 if done else 0
            return s if stable["n"] >= 4 else None     # idle for a second in a row
        s = wait_for(finished, timeout, f"{name}: all cells to run")
        return s, time.monotonic() - t0

    def dom_problems(self):
        def settled():
            r = self.d.execute_script(JS_DOM_PROBLEMS)
            return None if any("Loading widget" in p for p in r["problems"]) else r
        try:
            return wait_for(settled, 30, "widgets to finish loading")
        except CheckFailed:
            return self.d.execute_script(JS_DOM_PROBLEMS)

    def change_control(self, change):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import Select
        kind, label, value = change[1:4]
        if kind == "toggle":      # a toggle button is found by its own text
            box = (f"//div[contains(@class,'widget-toggle-buttons')]"
                   f"[.//button[normalize-space()='{value}']]")
        elif kind == "checkbox":
            box = (f"//div[contains(@class,'widget-checkbox')]"
                   f"[.//*[normalize-space()='{label}']]")
        else:                     # a slider or dropdown by its description label
            box = (f"//div[contains(@class,'widget-inline-hbox')]"
                   f"[./label[normalize-space()='{label}']]")
        els = self.d.find_elements(By.XPATH, box)
        if not els:
            raise CheckFailed(f"no control {label!r}" + (f" with a button {value!r}"
                                                         if kind == "toggle" else ""))
        el = els[-1]
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        time.sleep(0.3)
        self.d.execute_script(JS_ARM_LATENCY)
        if kind == "slider":
            readout = el.find_element(By.CSS_SELECTOR, ".widget-readout")
            old = readout.text
            readout.click()
            readout.send_keys(Keys.CONTROL, "a")
            readout.send_keys(value, Keys.ENTER)
            what = f"{label}: {old} → {value}"
        elif kind == "key":
            handle = el.find_element(By.CSS_SELECTOR, ".noUi-handle")
            old = el.find_element(By.CSS_SELECTOR, ".widget-readout").text
            self.d.execute_script("arguments[0].focus();", handle)
            handle.send_keys(getattr(Keys, value))
            what = f"{label}: {old} → one step ({value.lower().replace('_', ' ')})"
        elif kind == "dropdown":
            sel = Select(el.find_element(By.TAG_NAME, "select"))
            old = sel.first_selected_option.text
            sel.select_by_visible_text(value)
            what = f"{label}: {old} → {value}"
        elif kind == "toggle":
            button = el.find_element(By.XPATH, f".//button[normalize-space()='{value}']")
            button.click()
            what = f"{label}: → {value}"
        elif kind == "checkbox":
            el.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
            what = f"{label}: toggled"
        else:
            raise ValueError(kind)
        if len(change) > 4:                         # a Run button applies the change
            run = self.d.find_elements(By.XPATH, f"//button[normalize-space()='{change[4]}']")
            if not run:
                raise CheckFailed(f"no button {change[4]!r}")
            run[-1].click()
            what += f", then '{change[4]}'"
        return what

    def latency(self):
        """Seconds from the user's event to the panel's new image (None if unmeasured)."""
        r = self.d.execute_script(JS_READ_LATENCY)
        if not r or r["t0"] is None or r["t1"] is None:
            return None
        return (r["t1"] - r["t0"]) / 1000.0

    # --------------------------------------------------------------- check
    def check(self, path, timeout):
        name, key = path.name, path.name[:2]
        on_disk = hashlib.sha256(path.read_bytes()).hexdigest()
        original = path.read_bytes()
        fails = []
        notes = []
        t0 = time.monotonic()
        try:
            self.open(name)
            s, t_run = self.run_all(name, timeout)
            notes.append(f"{s['code']} code cells run in {t_run:.1f} s")
            if s["errors"]:
                fails += [f"error output: {e}" for e in s["errors"]]
            if s["counted"] != s["code"]:
                fails.append(f"only {s['counted']} of {s['code']} code cells ran")
            dom = self.dom_problems()
            fails += dom["problems"]
            notes.append(f"{dom['widgets']} widget outputs"
                         + (f" ({dom['closed']} closed by the kernel)" if dom["closed"] else ""))
            self.screenshot_full(self.shots / f"{key}_full.png")
            changes = CHANGES.get(key)
            if changes is None:
                if dom["panels"]:
                    fails.append(f"{dom['panels']} panel image(s), but no control to change "
                                 "is configured in tools/browser_check.py CHANGES")
            elif not dom["panels"]:
                fails.append("no control panel (img.widget-image) shown")
            elif not fails:
                self.screenshot_panel(self.shots / f"{key}_panel_before.png")
                try:
                    for change in changes:
                        before = self.panel_digest()
                        what = self.change_control(change)
                        wait_for(lambda b=before: self.panel_digest()["src"] != b["src"], 120,
                                 f"the panel to re-render after {what}", interval=0.05)
                        lat = self.latency()
                        wait_for(lambda: self.state(name)["kernel"] == "idle", 60,
                                 "idle kernel")
                        after = wait_for(lambda: (lambda r: r if r["loaded"] else None)(
                            self.panel_digest()), 10, "the new panel image to load")
                        if after["natural"] and after["shown"] > 1.25 * after["natural"]:
                            notes.append(f"panel image {after['natural']} px wide shown at "
                                         f"{after['shown']} px (upscaled)")
                        if after["digest"] == before["digest"]:
                            fails.append(f"panel figure unchanged after {what}")
                        self.latencies.append((name, change[0], what, lat))
                        notes.append(f"{change[0]} {what}: "
                                     + ("latency not measured" if lat is None
                                        else f"{lat:.2f} s"))
                        time.sleep(0.3)
                    time.sleep(0.5)
                    self.screenshot_panel(self.shots / f"{key}_panel_after.png")
                finally:
                    fails += [p for p in self.d.execute_script(JS_DOM_PROBLEMS)["problems"]
                              if p not in dom["problems"]]
                    errs = self.state(name)["errors"]
                    fails += [f"error output after the change: {e}" for e in errs
                              if e not in s["errors"]]
        except CheckFailed as exc:
            fails.append(str(exc))
        except Exception as exc:                       # selenium errors and the like
            fails.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        finally:
            try:
                self.d.execute_async_script(JS_SHUTDOWN)
            except Exception:
                pass
            if hashlib.sha256(path.read_bytes()).hexdigest() != on_disk:
                path.write_bytes(original)
                fails.append("the notebook file was modified by JupyterLab (restored)")
            try:
                if fails:
                    self.d.save_screenshot(str(self.shots / f"{key}_failure.png"))
            except Exception:
                pass
        return fails, notes, time.monotonic() - t0


def latency_report(latencies):
    """The controls' latencies as a Markdown table (also written to latency.md)."""
    rows = ["browser_check: control latency (user event → new panel image in the DOM)",
            "", "| notebook | control | kind | latency (s) | goal |", "|---|---|---|---|---|"]
    for nb, mode, what, lat in latencies:
        goal = (f"≤ {VIEW_GOAL_S:g} s: " + ("met" if lat is not None and lat <= VIEW_GOAL_S
                                            else "missed")) if mode == "view" else \
            "busy state shown"
        rows.append(f"| {nb[:2]} | {what.replace('|', '/')} | {mode} | "
                    f"{'n/a' if lat is None else f'{lat:.2f}'} | {goal} |")
    return "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("select", nargs="*", help="notebook name prefixes (default: all 0*)")
    ap.add_argument("--url", required=True, help="JupyterLab's base URL")
    ap.add_argument("--token", required=True)
    ap.add_argument("--screenshots", type=pathlib.Path, required=True)
    ap.add_argument("--timeout", type=float, default=240.0, help="per notebook run-all, s")
    ap.add_argument("--lab-pid", type=int, help="JupyterLab's process id (stop waiting if it exits)")
    args = ap.parse_args(argv)

    paths = sorted(NOTEBOOKS.glob("0*.ipynb"))
    if args.select:
        paths = [p for p in paths if any(p.name.startswith(s) for s in args.select)]
    if not paths:
        print("browser_check: no notebooks selected", file=sys.stderr)
        return 2
    args.screenshots.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        wait_for_server(args.url, args.token, args.lab_pid)
    except CheckFailed as exc:
        print(f"browser_check: FAILED: {exc}", file=sys.stderr)
        return 1
    failed = {}
    with tempfile.TemporaryDirectory(prefix="sensorynet-chromium-") as profile:
        driver = make_driver(pathlib.Path(profile) / "user-data",
                             args.screenshots / "chromedriver.log")
        checker = None
        try:
            print(f"browser_check: {driver.capabilities.get('browserName')} "
                  f"{driver.capabilities.get('browserVersion')}, JupyterLab at {args.url}",
                  flush=True)
            checker = NotebookCheck(driver, args.url, args.token, args.screenshots)
            for path in paths:
                fails, notes, secs = checker.check(path, args.timeout)
                status = "FAILED" if fails else "ok"
                print(f"  {path.name:40s} {status:6s} {secs:6.1f} s  ({'; '.join(notes)})",
                      flush=True)
                for f in fails:
                    print(f"      FAILED: {f}", flush=True)
                if fails:
                    failed[path.name] = fails
        finally:
            driver.quit()
        report = latency_report(checker.latencies if checker else [])
        print(report, flush=True)
        (args.screenshots / "latency.md").write_text(report + "\n")
    print(f"browser_check: {len(paths) - len(failed)} of {len(paths)} notebooks passed "
          f"in {time.monotonic() - t0:.0f} s; screenshots in {args.screenshots}")
    if failed:
        print("browser_check: FAILED: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
