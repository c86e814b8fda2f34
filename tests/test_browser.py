"""The rendered book read as a reader reads it, offline: each page of the table of contents opened from disk in
headless Chromium with every network request refused, after which the formulas are typeset by MathJax (no raw TeX
left), every figure has loaded, the widget outputs are drawn, no code cell or output is clipped, nothing was asked of
the network, and the browser's console holds no error.

Needs Chromium and its WebDriver (Debian: `apt-get install chromium chromium-driver`) and selenium (the `test`
extra). Without them the tests skip, unless GAN_COURSE_REQUIRE_BROWSER=1 (as in CI), where they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_book import _toc_files

PAGES = _toc_files()
REQUIRED = os.environ.get("GAN_COURSE_REQUIRE_BROWSER") == "1"
WIDGET_PAGES = {"book/16_visualization"}  # GAN Lab's controls, a Play widget and progress bars
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason}; GAN_COURSE_REQUIRE_BROWSER=1 requires the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    chromium = next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)
    if chromium is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium chromium-driver)")
    chromedriver = shutil.which("chromedriver")
    if chromedriver is None:
        _unavailable("chromedriver is not installed (Debian: apt-get install chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600",
        # no network: every host name fails to resolve and every request goes to a proxy that is not there
        "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_script_timeout(90)
    driver.set_page_load_timeout(90)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def book(browser, tmp_path_factory) -> Path:
    """The book built as tests/test_book.py builds it (offline, -W), once for every page."""
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "--path-output", str(out),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return out / "_build" / "html"


# Runs in the page once it has loaded; waits for MathJax's typesetting and the widgets, then reports what it finds.
INSPECT = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  const report = {};
  report.remote = [...document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=preload][href]")]
    .map(e => e.src || e.href).filter(url => /^(https?:)?\/\//.test(url));
  report.math = document.querySelectorAll(".math").length;
  const mathjax = window.MathJax;
  if (mathjax && mathjax.startup && mathjax.startup.promise) {
    try { await mathjax.startup.promise; report.mathjax = "typeset"; }
    catch (error) { report.mathjax = "failed: " + error; }
  } else {
    report.mathjax = mathjax ? "MathJax's script did not load (only its configuration is on the page)" : "absent";
  }
  report.mjx = document.querySelectorAll("mjx-container").length;
  // formulas MathJax could not read: a TeX error, or an undefined macro (shown as its name in red)
  report.tex_errors = [];
  if (report.mathjax === "typeset") {
    for (const item of mathjax.startup.document.math) {
      if (/<merror|<mtext mathcolor="red">\\/.test(mathjax.startup.toMML(item.root))) {
        report.tex_errors.push(item.math.slice(0, 80));
      }
    }
  }

  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const drawn = () => views.filter(view => {
    const area = view.previousElementSibling;
    return area && area.classList.contains("widget-subarea") && area.querySelector(".jupyter-widgets")
      && area.getBoundingClientRect().height > 0;
  }).length;
  // up to 20 s while widgets appear; 5 s if none does (the widget manager did not load)
  const start = Date.now();
  while (drawn() < views.length && Date.now() - start < (drawn() ? 20000 : 5000)) await sleep(100);
  report.widgets = views.length;
  report.widgets_drawn = drawn();

  // an animation's buttons: each icon drawn (Font Awesome turns <i class="fa ..."> into an <svg>)
  report.animation_buttons = document.querySelectorAll(".anim-buttons button").length;
  report.animation_icons = document.querySelectorAll(".anim-buttons button svg").length;

  const images = [...document.images];
  images.forEach(image => { image.loading = "eager"; });
  await Promise.all(images.map(image => image.complete ? null : new Promise(resolve => {
    image.addEventListener("load", resolve); image.addEventListener("error", resolve); setTimeout(resolve, 15000);
  })));
  report.images = images.length;
  report.broken_images = images.filter(image => !(image.complete && image.naturalWidth > 0))
    .map(image => (image.currentSrc || image.src).slice(0, 100));

  // the page's text, code and typeset formulas left out: TeX delimiters left there were not typeset
  const text = document.body.cloneNode(true);
  text.querySelectorAll("pre, code, script, style, textarea, mjx-container").forEach(e => e.remove());
  // code cells and printed outputs wider than their box: a reader would have to scroll to see their end
  report.clipped = [...document.querySelectorAll("div.cell_input pre, div.cell_output pre")]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 60));
  // printed tables: three or more lines in a row with columns (gaps of two spaces or more) must fit their box, or
  // their columns fall apart where the lines wrap; and an HTML table must not be wider than its output area
  const pen = document.createElement("canvas").getContext("2d");
  report.wrapped_tables = [];
  for (const pre of document.querySelectorAll("div.cell_output pre")) {
    const style = getComputedStyle(pre);
    pen.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    let rows = [];
    for (const line of [...pre.textContent.split("\n"), ""]) {
      if (/\S {2,}\S/.test(line.trim())) { rows.push(line); continue; }
      const wide = rows.length >= 3 ? rows.find(row => pen.measureText(row).width > room + 1) : undefined;
      if (wide) report.wrapped_tables.push(wide.slice(0, 60));
      rows = [];
    }
  }
  report.wrapped_tables.push(...[...document.querySelectorAll("div.cell_output table")]
    .filter(table => table.scrollWidth > table.parentElement.clientWidth + 1)
    .map(table => table.textContent.slice(0, 60)));
  // every request the page made once loaded, widgets and images included: none may leave the book
  report.requests = performance.getEntriesByType("resource").map(entry => entry.name)
    .filter(url => !/^(file|data|blob):/.test(url));
  report.raw_tex = [];
  for (const match of text.textContent.matchAll(/\\\(|\\\[|\$\$|\\begin\{/g)) {
    const start = match.index;
    report.raw_tex.push(text.textContent.slice(Math.max(0, start - 30), start + 50).replace(/\s+/g, " "));
  }
  return report;
})().then(done, error => done({error: String(error)}));
"""


@pytest.mark.parametrize("page", PAGES, ids=lambda name: Path(name).stem)
def test_page_reads_offline(page, browser, book):
    path = book / f"{page}.html"
    assert path.is_file(), path
    browser.get_log("browser")  # forget the previous page's messages
    browser.get(path.as_uri())
    report = browser.execute_async_script(INSPECT)
    assert "error" not in report, report
    problems = []
    if report["math"]:
        if report["mathjax"] != "typeset":
            problems.append(f"{report['math']} formulas, and {report['mathjax']}")
        elif not report["mjx"]:
            problems.append(f"{report['math']} formulas, and MathJax rendered none")
    if report["tex_errors"]:
        problems.append(f"formulas MathJax could not read: {report['tex_errors'][:5]}")
    if report["raw_tex"]:
        problems.append(f"{len(report['raw_tex'])} pieces of raw TeX, such as {report['raw_tex'][:3]}")
    if report["broken_images"]:
        problems.append(f"images that did not load: {report['broken_images']}")
    if report["widgets_drawn"] != report["widgets"]:
        problems.append(f"{report['widgets_drawn']} of {report['widgets']} widget outputs drawn")
    if page in WIDGET_PAGES and not report["widgets"]:
        problems.append("no widget output: the widget check has nothing to check")
    if report["animation_icons"] != report["animation_buttons"]:
        problems.append(f"{report['animation_icons']} of {report['animation_buttons']} animation buttons show an icon")
    if report["remote"]:
        problems.append(f"links scripts or stylesheets on the network: {report['remote']}")
    if report["clipped"]:
        problems.append(f"{len(report['clipped'])} cells wider than the page, such as {report['clipped'][:3]}")
    if report["wrapped_tables"]:
        problems.append(f"{len(report['wrapped_tables'])} printed tables wider than their box (their lines wrap), such "
                        f"as {report['wrapped_tables'][:3]}: print fewer or narrower columns, tag the cell full-width, "
                        "or display an HTML table")
    if report["requests"]:
        problems.append(f"requests that leave the book: {report['requests'][:8]}")
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    if errors:
        problems.append("errors in the browser's console:\n  " + "\n  ".join(errors[:8]))
    assert not problems, f"{page}.html read offline:\n- " + "\n- ".join(problems)
