"""The report looked at in a browser, as a reader would: headless Chromium on the runs.

Each of report.html and report_segments.html of the English and the Chinese demo run and
of the CDNOW run (no customers table, survey or context: sections left out) is loaded
offline on screen at the width of an A4 page (794 px) and of a phone (390 px), and as
printed (print styles, the 688 px between A4's 14 mm margins), and checked: nothing wider
than the page, no broken image, no console error, no network request, alt text on every
image, and no ``nan``/``None``/``NaT``/``inf`` or raw column key in the text a reader sees
(any snake_case word, like ``repeat_rate``: the kit's labels have none).

What counts as too wide: the page must never scroll sideways. On a screen a wide table may
scroll inside its wrapper (``.tw``, made for that); printed, nothing may be wider than the
page, tables included, because paper cannot scroll.

Needs Debian's ``chromium`` (``apt-get install chromium``; .ci/run installs it) and
Playwright for Python (a dev dependency; it drives the system's Chromium, it downloads no
browser). Without them the tests skip and say so. Three kit runs, side by side
(``report_runs`` in conftest.py, shared with tests/test_pages.py): make test-full.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.fullrun]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Chromium without anything that reaches the network or needs a display.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = ("report.html", "report_segments.html")
#: Width and height (CSS px) and media: an A4 page at 96 dpi on screen, the same printed
#: (between the report's 14 mm margins) and a phone.
WIDTHS = {"a4": (794, 1123, "screen"), "print": (688, 1017, "print"),
          "phone": (390, 844, "screen")}
#: Words a reader should never see: a missing or infinite value printed as is.
RAW_VALUES = re.compile(r"(?<![\w-])(nan|NaN|None|NaT|-?inf|-?Infinity)(?![\w-])")
#: A snake_case word (``repeat_rate``, ``p_alive``): a column key of the run's tables shown
#: instead of its label. A file name (``customer_value.csv``) is not one.
RAW_KEY = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w.])")

# everything the page does, measured in the page (JavaScript, run by Chromium)
MEASURE = """() => {
  const doc = document.documentElement, width = doc.clientWidth;
  const describe = el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + ' "' + (el.innerText || el.alt || '').trim().slice(0, 50).replace(/\\s+/g, ' ') + '"';
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return p; }
    return null; };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || scrolls(el)) continue;
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1
        && !scrolls(el.parentElement) && el.parentElement !== document.body) continue;
    wide.push(describe(el) + ' right edge at ' + Math.round(r.right) + ' px');
  }
  const overflowing = [...document.querySelectorAll('.tw')]
      .filter(w => w.scrollWidth > w.clientWidth + 1)
      .map(w => describe(w.querySelector('caption') || w) + ': ' + w.scrollWidth + ' px in '
           + w.clientWidth + ' px');
  const imgs = [...document.images];
  return {
    pageWidth: doc.scrollWidth, viewWidth: width, wide: wide, tablesScrolling: overflowing,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(describe),
    noAlt: imgs.map((i, n) => [i, n]).filter(([i]) => !(i.getAttribute('alt') || '').trim())
               .map(([i, n]) => 'image ' + (n + 1) + ' of ' + imgs.length + ' in "'
                    + ((i.closest('section') || document.body).querySelector('h2, h1')
                       || {innerText: ''}).innerText.trim() + '"'),
    images: imgs.length,
    text: document.body.innerText,
    // the text without <code>: a parameter or key shown as code, for the reader to type
    prose: (() => { const cs = [...document.querySelectorAll('code')];
      cs.forEach(c => { c.style.display = 'none'; });
      const t = document.body.innerText; cs.forEach(c => { c.style.display = ''; }); return t; })(),
  };
}"""


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), driven by Playwright; the test skips without either."""
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: install Debian's package (apt-get install chromium; "
                    ".ci/run does) to look at the report in a browser")
    playwright = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is a dev dependency: "
        "pip install -e '.[dev]' (make install)")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def looked(browser, request):
    """Load each page once per (run, page, width); the tests read what was measured.

    The runs are asked for once the browser is there: without one the tests skip before
    the kit runs (a session fixture as an argument would be made first).
    """
    runs = request.getfixturevalue("report_runs")
    cache: dict[tuple[str, str, str], dict] = {}

    def look(lang: str, page: str, width: str) -> dict:
        key = (lang, page, width)
        if key not in cache:
            cache[key] = _look(browser, runs[lang] / page, *WIDTHS[width])
        return cache[key]

    return look


def _look(browser, path: Path, width: int, height: int, media: str = "screen") -> dict:
    """Open ``path`` offline at ``width`` px for ``media``; the measures, the console and the
    requests the page made."""
    assert path.exists(), f"the run wrote no {path.name}"
    context = browser.new_context(viewport={"width": width, "height": height},
                                  offline=True, java_script_enabled=True)
    page = context.new_page()
    page.emulate_media(media=media)
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:", "about:")) or url == path.as_uri():
            return r.continue_()
        requests.append(url)
        return r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    measured = page.evaluate(MEASURE)
    context.close()
    return {**measured, "console": console, "requests": requests}


CASES = [pytest.param(lang, page, width, id=f"{lang}-{page.removesuffix('.html')}-{width}")
         for lang in ("en", "zh", "cdnow") for page in PAGES for width in WIDTHS]
#: At least this many figures in report.html (the demo's sections all have theirs).
MIN_IMAGES = {"en": 10, "zh": 10, "cdnow": 3}


@pytest.mark.parametrize(("lang", "page", "width"), CASES)
def test_nothing_wider_than_the_page(looked, lang, page, width):
    seen = looked(lang, page, width)
    assert seen["pageWidth"] <= seen["viewWidth"], (
        f"the page scrolls sideways ({seen['pageWidth']} px in {seen['viewWidth']} px); "
        "too wide:\n" + "\n".join(seen["wide"][:15]))
    if width == "print":  # paper: a table cannot scroll inside its wrapper
        assert not seen["tablesScrolling"], "tables wider than an A4 page:\n" + "\n".join(
            seen["tablesScrolling"])


A4 = [c for c in CASES if c.values[2] == "a4"]


@pytest.mark.parametrize(("lang", "page", "width"), A4)
def test_images_load(looked, lang, page, width):
    seen = looked(lang, page, width)
    if page == "report.html":
        assert seen["images"] >= MIN_IMAGES[lang]
    assert not seen["broken"], f"images that do not load: {seen['broken']}"


@pytest.mark.parametrize(("lang", "page", "width"), A4)
def test_images_say_what_they_show(looked, lang, page, width):
    seen = looked(lang, page, width)
    assert not seen["noAlt"], f"images without alt text: {seen['noAlt']}"


@pytest.mark.parametrize(("lang", "page", "width"), A4)
def test_offline_and_no_console_errors(looked, lang, page, width):
    seen = looked(lang, page, width)
    assert not seen["requests"], f"the page asks the network for: {seen['requests']}"
    assert not seen["console"], "console:\n" + "\n".join(seen["console"])


@pytest.mark.parametrize(("lang", "page", "width"), A4)
def test_no_raw_values_or_column_keys_in_the_text(looked, lang, page, width):
    text = looked(lang, page, width)["text"]
    raw = sorted({m.group(0) for m in RAW_VALUES.finditer(text)})
    assert not raw, f"raw values in the text: {raw}; e.g. " + "; ".join(
        _around(text, m.start()) for m in list(RAW_VALUES.finditer(text))[:5])
    prose = looked(lang, page, width)["prose"]  # keys set as code, to be typed, are fine
    keys = sorted({m.group(0) for m in RAW_KEY.finditer(prose)})
    assert not keys, f"column keys in the text: {keys}; e.g. " + "; ".join(
        _around(prose, m.start()) for m in list(RAW_KEY.finditer(prose))[:5])


def _around(text: str, at: int, width: int = 40) -> str:
    return repr(text[max(0, at - width):at + width])
