#!/usr/bin/env python
"""Check the built documentation site: every internal link and image, then a few pages
in headless Chromium.

Usage (from the repository root, after the site is built into docs/_build/html)::

    python tools/check_site.py links                  # links, anchors and images
    python tools/check_site.py browser --screenshots DIR

``links`` reads every HTML page of the site and fails on a link to a page or file of
the site that does not exist, a ``#fragment`` that names no element of its target
page, an image that does not exist or is empty, and a notebook page without its
figures. External links (http, https, mailto) are not followed: the build has no
network.

``browser`` serves the site on 127.0.0.1 and opens, in Debian's headless Chromium
(through its chromedriver, as ``tools/browser_check.py`` does): the front page (its
figure drawn), a notebook page (every figure drawn, the Binder button pointing at the
notebook in the repository), an API page (the function's signature), and the search
page (a query returns results). A screenshot of each goes to DIR.
"""
from __future__ import annotations

import argparse
import functools
import html.parser
import http.server
import pathlib
import sys
import threading
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "_build" / "html"
#: (page, minimum number of output figures) of the tutorials, checked by ``links``
NOTEBOOK_FIGURES_MIN = 2


class _Page(html.parser.HTMLParser):
    """The ids, links and images of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []
        self.output_images = 0
        self._in_output = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon"):
            self.links.append(a["href"])
        if tag == "script" and a.get("src"):
            self.links.append(a["src"])
        if tag == "img" and a.get("src"):
            self.images.append(a["src"])
            if "cell_output" in (a.get("class") or "") or self._in_output:
                self.output_images += 1
        if tag == "div" and "cell_output" in (a.get("class") or ""):
            self._in_output += 1

    def handle_endtag(self, tag):
        # outputs do not nest; the first closing div after one ends it well enough
        if tag == "div" and self._in_output:
            self._in_output -= 1


def _parse(path: pathlib.Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def _html_pages(site: pathlib.Path) -> list[pathlib.Path]:
    """The site's pages (not the theme's template fragments in _static/)."""
    return [p for p in sorted(site.rglob("*.html"))
            if not {"_sources", "_static"} & set(p.relative_to(site).parts)]


def _is_external(url: str) -> bool:
    scheme = urllib.parse.urlsplit(url).scheme
    return scheme in ("http", "https", "mailto", "data", "javascript", "tel")


def check_links(site: pathlib.Path = SITE) -> list[str]:
    """Problems with the internal links and images of the site (empty: none)."""
    pages = {p: _parse(p) for p in _html_pages(site)}
    if not pages:
        return [f"no HTML pages in {site}: build the site first"]
    problems = []
    for path, page in pages.items():
        rel = path.relative_to(site).as_posix()
        for url in page.links + page.images:
            if _is_external(url) or url.startswith("//"):
                continue
            parts = urllib.parse.urlsplit(url)
            target = path if not parts.path else \
                (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            try:
                target.relative_to(site.resolve())
            except ValueError:
                problems.append(f"{rel}: {url} points outside the site")
                continue
            if not target.exists():
                problems.append(f"{rel}: {url} does not exist")
                continue
            if url in page.images and target.stat().st_size == 0:
                problems.append(f"{rel}: image {url} is empty")
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                fragment = urllib.parse.unquote(parts.fragment)
                if fragment not in ids:
                    problems.append(f"{rel}: {url}: no element with id {fragment!r}")
    notebook_pages = sorted((site / "notebooks").glob("0[1-9]_*.html"))
    if not notebook_pages:
        problems.append("no notebook pages under notebooks/")
    for path in notebook_pages:
        n = pages[path].output_images
        if n < NOTEBOOK_FIGURES_MIN:
            problems.append(f"{path.relative_to(site)}: {n} output figures, expected "
                            f">= {NOTEBOOK_FIGURES_MIN}")
    return problems


# --------------------------------------------------------------------------- browser

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(site: pathlib.Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _wait(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")


_IMAGES_DRAWN = """
const imgs = Array.from(document.querySelectorAll(arguments[0]));
return [imgs.length, imgs.filter(i => i.complete && i.naturalWidth > 0).length];
"""


def _images_drawn(driver, selector, minimum, timeout=30):
    def done():
        total, drawn = driver.execute_script(_IMAGES_DRAWN, selector)
        return (total, drawn) if total >= minimum and drawn == total else None
    try:
        return _wait(done, timeout, f"{minimum}+ images {selector!r} to be drawn")
    except TimeoutError:
        total, drawn = driver.execute_script(_IMAGES_DRAWN, selector)
        raise AssertionError(f"{drawn} of {total} images {selector!r} drawn "
                             f"(expected >= {minimum}, all drawn)") from None


def check_browser(shots: pathlib.Path, site: pathlib.Path = SITE) -> list[str]:
    """Open the pages in headless Chromium; return the failed checks."""
    import tempfile
    sys.path.insert(0, str(ROOT / "tools"))
    from browser_check import make_driver
    from selenium.webdriver.common.by import By

    shots.mkdir(parents=True, exist_ok=True)
    server = _serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    failures = []
    with tempfile.TemporaryDirectory(prefix="sensorynet-site-") as profile:
        driver = make_driver(profile, shots / "chromedriver.log")
        driver.set_page_load_timeout(60)
        driver.set_window_size(1400, 1000)

        def page(name, path, check):
            t0 = time.perf_counter()
            try:
                driver.get(f"{base}/{path}")
                check()
                print(f"check_site: {name}: OK ({time.perf_counter() - t0:.1f} s)")
            except Exception as exc:  # noqa: BLE001 -- report every page
                failures.append(f"{name} ({path}): {type(exc).__name__}: {exc}")
                print(f"check_site: {name}: FAILED: {exc}", file=sys.stderr)
            finally:
                driver.save_screenshot(str(shots / f"{name}.png"))

        def front():
            assert "sensorynet" in driver.title, driver.title
            _images_drawn(driver, "article img", 1)

        def notebook():
            total, _ = _images_drawn(driver, "div.cell_output img", 5)
            # the equations are typeset by the site's own MathJax (no CDN needed)
            srcs = [s.get_attribute("src") for s in
                    driver.find_elements(By.CSS_SELECTOR, "script[src*='mathjax']")]
            assert srcs and all(u.startswith(base) for u in srcs), srcs
            _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "mjx-container") or None,
                  30, "typeset equations (mjx-container)")
            launch = [a.get_attribute("href") for a in
                      driver.find_elements(By.CSS_SELECTOR, "a[href*='mybinder.org']")]
            assert launch, "no Binder launch button"
            assert all("notebooks/02_selectivity_before_after.ipynb" in u
                       and "docs/notebooks" not in u for u in launch), launch
            # the control panel's figure, the last output: scrolled into view for the shot
            driver.execute_script(
                "const i = document.querySelectorAll('div.cell_output img');"
                "i[i.length - 1].scrollIntoView({block: 'center'});")

        def api():
            sig = driver.find_element(By.CSS_SELECTOR, "dt[id='sensorynet.simulate']")
            assert "simulate" in sig.text and "plastic" in sig.text, sig.text
            fields = [f.text for f in driver.find_elements(By.CSS_SELECTOR, "dl.field-list > dt")]
            assert any(f.startswith("Parameters") for f in fields), fields

        def search():
            def results():
                items = driver.find_elements(By.CSS_SELECTOR, "#search-results li")
                return items if items else None
            items = _wait(results, 30, "search results")
            links = [a.get_attribute("href") for i in items
                     for a in i.find_elements(By.TAG_NAME, "a")]
            assert any("model.html" in u for u in links), links[:10]

        page("front_page", "index.html", front)
        page("notebook_02", "notebooks/02_selectivity_before_after.html", notebook)
        page("api_simulate", "reference/api/generated/sensorynet.simulate.html", api)
        page("search_plasticity", "search.html?q=plasticity", search)
        driver.quit()
    server.shutdown()
    return failures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("links", help="internal links, anchors and images")
    b = sub.add_parser("browser", help="a few pages in headless Chromium")
    b.add_argument("--screenshots", type=pathlib.Path, required=True)
    ap.add_argument("--site", type=pathlib.Path, default=SITE)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.command == "links":
        problems = check_links(args.site)
        n = len(_html_pages(args.site))
        for p in problems:
            print(f"check_site: {p}", file=sys.stderr)
        print(f"check_site: {n} pages, {len(problems)} broken links or images "
              f"({time.perf_counter() - t0:.1f} s)")
        return 1 if problems else 0
    failures = check_browser(args.screenshots, args.site)
    print(f"check_site: browser: {4 - len(failures)} of 4 pages passed "
          f"({time.perf_counter() - t0:.1f} s); screenshots in {args.screenshots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
