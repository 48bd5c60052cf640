"""Safe output: values from data or parameters never become live HTML (issue 12).

Unit tests of :mod:`custlib.safety` (escape_markdown, code_span, is_safe_url,
sanitize_html, sanitize_notebook), of the escaped narratives and report text, and one run
of the kit with injection payloads in every free-text parameter, context field and data
column, whose every HTML file is checked.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from custlib.report import document as report
from custlib.report import narrative, sections
from custlib.report.html import inline_markdown
from custlib.run.runner import render_html
from custlib.safety import code_span, escape_markdown, is_safe_url, sanitize_html, sanitize_notebook

PAYLOADS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
            "[x](javascript:alert(1))", '"><svg onload=alert(1)>']


# --- the checker: which payload elements are live in an HTML document ----------------------

class _LiveFinder(HTMLParser):
    def __init__(self, strict: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.strict = strict
        self.found: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            compact = re.sub(r"[\x00-\x20]+", "", value).lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "xlink:href", "action", "formaction") and \
                    compact.startswith(("javascript:", "vbscript:", "data:text")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if self.strict and tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x> (a payload element)")
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        if tag == "script":
            self._script = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            if "alert(1)" in "".join(self._script):
                self.found.append("<script>alert(1)</script>")
            self._script = None


def live_payloads(text: str, strict: bool = True) -> list[str]:
    """Elements and attributes of the payloads that a browser would run or load.

    ``strict`` also reports a payload's ``<img src=x>`` without its handler: harmless,
    but a sign that a value was inserted as markup instead of text.
    """
    finder = _LiveFinder(strict)
    finder.feed(text)
    finder.close()
    return finder.found


def _text(markup: str) -> str:
    """The text a browser shows for an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def test_the_checker_finds_live_payloads():
    found = live_payloads("<p>" + "".join(PAYLOADS) + '<a href=" JaVa\tscript:x">l</a></p>')
    assert found == ["<img onerror='alert(1)'>", "<img src=x> (a payload element)",
                     "<script>alert(1)</script>", "<svg onload='alert(1)'>",
                     "<a href=' JaVa\\tscript:x'>"]
    assert live_payloads("<p>&lt;img src=x onerror=alert(1)&gt;</p>") == []


# --- escape_markdown and code_span -----------------------------------------------------------

def test_escape_markdown_exact():
    assert escape_markdown("<img src=x onerror=alert(1)>") == \
        r"\<img src\=x onerror\=alert\(1\)\>"
    assert escape_markdown("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert escape_markdown("a | b `c` $5 **d** _e_\n# f") == \
        r"a \| b \`c\` \$5 \*\*d\*\* \_e\_ \# f"
    assert escape_markdown("Hearth & Home") == r"Hearth \& Home"
    assert escape_markdown("暖家生活 GBP 12") == "暖家生活 GBP 12"
    assert escape_markdown(None) == "" and escape_markdown(13085) == "13085"


@pytest.mark.parametrize("render", [markdown2html_mistune, inline_markdown],
                         ids=["nbconvert", "report"])
@pytest.mark.parametrize("payload", PAYLOADS + ["Tom & Jerry <3 &lt; $5 and $6",
                                                "***x*** | `y` \\`z`", "- a", "1. b"])
def test_escaped_markdown_renders_as_the_text_given(render, payload):
    rendered = render(f"Company: **{escape_markdown(payload)}**.")
    assert live_payloads(rendered) == []
    assert _text(rendered) == f"Company: {payload}."
    assert rendered.count("<") == 4  # <p><strong></strong></p>: no other element


@settings(deadline=None)  # examples: the Hypothesis profile (conftest.py)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs",
                                                                         "Zl", "Zp")),
               min_size=1, max_size=40))
def test_escaped_markdown_round_trips_any_text(value):
    rendered = markdown2html_mistune(f"x {escape_markdown(value)} y")
    assert _text(rendered) == f"x {value} y"


def test_code_span():
    assert code_span("duplicates") == "`duplicates`"
    assert code_span("a`b") == "`` a`b ``"
    rendered = markdown2html_mistune(f"rule {code_span('x`<script>alert(1)</script>')}")
    assert live_payloads(rendered) == []
    assert _text(rendered) == "rule x`<script>alert(1)</script>"


# --- URLs and the HTML sanitiser -------------------------------------------------------------

@pytest.mark.parametrize("url, image, safe", [
    ("https://example.org/a?b=c", False, True), ("report.html#s1", False, True),
    ("#harmful-link", False, True), ("mailto:a@b.org", False, True),
    ("/figures/a.png", True, True), ("data:image/png;base64,iVBORw0KGgo=", True, True),
    ("javascript:alert(1)", False, False), (" JaVaScRiPt:alert(1)", False, False),
    ("java\tscript:alert(1)", False, False), ("java\x00script:alert(1)", False, False),
    ("vbscript:msgbox(1)", False, False), ("data:text/html;base64,PHNjcmlwdD4=", True, False),
    ("data:image/png;base64,iVBORw0KGgo=", False, False), ("file:///etc/passwd", False, False),
    ("x:y/z", False, False),
])
def test_is_safe_url(url, image, safe):
    assert is_safe_url(url, image=image) is safe


@pytest.mark.parametrize("dirty, clean", [
    ('<p onclick="x()">Hi <img src=x onerror=alert(1)></p><script>alert(1)</script>',
     '<p>Hi <img src="x"></p>'),
    ('<a href="javascript:alert(1)" title="t">x</a>', '<a title="t">x</a>'),
    ('<a href="java&#x09;script:alert(1)">x</a>', "<a>x</a>"),
    ('<a href="https://example.org" target="_blank">x</a>', '<a href="https://example.org">x</a>'),
    ('"><svg onload=alert(1)><circle/></svg>ok', '"&gt;ok'),
    ("<iframe src=x><p>in</p></iframe><object data=x></object><embed src=x>ok", "ok"),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>ok', "ok"),
    ("<math><mi xlink:href=javascript:alert(1)>x</mi></math><!-- c --><![CDATA[x]]>ok", "ok"),
    ("<form action=x><input onfocus=alert(1) autofocus><button>b</button></form>",
     "b"),
    ("<style>.d th{vertical-align:top}</style>", "<style>.d th{vertical-align:top}</style>"),
    ("<style>x{background:url(javascript:alert(1))}</style>ok", "ok"),
    ("<style>@import 'x.css';</style><p style=\"background:url(x)\">t</p>", "<p>t</p>"),
    ('<td style="text-align: right;" colspan="2" data-mime-type="a">1 &lt; 2 &amp; 3</td>',
     '<td style="text-align: right;" colspan="2" data-mime-type="a">1 &lt; 2 &amp; 3</td>'),
    ('<img src="data:image/png;base64,iVBOR" alt="a&quot;b">',
     '<img src="data:image/png;base64,iVBOR" alt="a&quot;b">'),
    ("<script>alert(1)", ""), ("<style>p{}", ""), ("a <b>bold</b>", "a <b>bold</b>"),
])
def test_sanitize_html(dirty, clean):
    assert sanitize_html(dirty) == clean
    assert live_payloads(sanitize_html(dirty), strict=False) == []


def test_sanitize_html_keeps_a_pandas_table_as_it_is():
    df = pd.DataFrame({"<b>c": ["<img src=x onerror=alert(1)>", "ok"]},
                      index=pd.Index(["<script>alert(1)</script>", "b"], name="<i>n"))
    table = df._repr_html_()  # pandas escapes values and labels
    assert sanitize_html(table).split() == table.replace("<style scoped>", "<style>").split()
    assert live_payloads(table) == []
    styled = df.style.to_html()  # a Styler does not escape: the sanitiser must catch it
    assert live_payloads(styled) != []
    assert live_payloads(sanitize_html(styled), strict=False) == []


# --- notebooks: outputs sanitised before rendering --------------------------------------------

def _notebook_with_outputs() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    md = nbformat.v4.new_markdown_cell("# Our own text, $x^2$ math and **bold**")
    code = nbformat.v4.new_code_cell("show()")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={
            "text/markdown": "It costs $5 and $6. Currency " + " ".join(PAYLOADS),
            "text/plain": "<IPython.core.display.Markdown object>"}),
        nbformat.v4.new_output("execute_result", data={
            "text/html": "<table><tr><td>" + PAYLOADS[0] + "</td></tr></table>" + PAYLOADS[1],
            "text/plain": "table"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={
            "application/javascript": "alert(1)", "text/plain": "js"}),
        nbformat.v4.new_output("stream", name="stdout", text=PAYLOADS[0] + "\n"),
        nbformat.v4.new_output("error", ename="ColumnError", evalue=PAYLOADS[1],
                               traceback=["\x1b[31mColumnError\x1b[0m: " + PAYLOADS[0]]),
    ]
    nb.cells = [md, code]
    return nb


def test_render_html_sanitises_outputs_not_our_markdown(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(_notebook_with_outputs(), str(path))
    # the checker would catch the payloads if the outputs were rendered as they are
    from nbconvert import HTMLExporter

    raw, _ = HTMLExporter(template_name="lab").from_notebook_node(_notebook_with_outputs())
    assert "<script>alert(1)</script>" in live_payloads(raw)
    assert any("onerror" in f for f in live_payloads(raw))
    text = render_html(path, tmp_path / "html" / "nb.html").read_text(encoding="utf-8")
    assert live_payloads(text, strict=False) == []
    assert "<h1" in text and "$x^2$" in text and "<strong>bold</strong>" in text  # ours
    assert 'class="tex2jax_ignore"' in text  # $5 and $6 are money, not math
    assert "&lt;img src=x onerror=alert(1)&gt;" in text  # stdout and traceback: text
    assert "application/javascript" not in text
    assert 'class="jp-Notebook' in text and "jp-RenderedHTMLCommon" in text  # the lab look
    # readable offline: no script, stylesheet or font from a CDN (require.js, MathJax, Mermaid)
    assert re.findall(r'<(?:script|link)[^>]*(?:src|href)="https?://', text) == []
    assert "require.min.js" not in text and "mathjax" not in text.lower()


def test_sanitize_notebook_outputs():
    nb = sanitize_notebook(_notebook_with_outputs())
    outs = nb.cells[1].outputs
    assert set(outs[0].data) == {"text/html", "text/plain"}
    assert outs[0].data["text/html"] == (
        '<div class="tex2jax_ignore"><p>It costs $5 and $6. Currency <img src="x">  '
        '<a>x</a> "&gt;</div>')  # an unclosed <svg> takes the rest with it
    assert outs[1].data["text/html"] == ('<div class="tex2jax_ignore"><table><tr><td>'
                                         '<img src="x"></td></tr></table></div>')
    assert set(outs[2].data) == {"text/plain"}
    assert nb.cells[0].source.startswith("# Our own text")


# --- narratives and the report escape what they are given -------------------------------------

def _md_check(markdown: str, *payloads: str) -> None:
    for render in (markdown2html_mistune, inline_markdown):
        rendered = render(markdown)
        assert live_payloads(rendered) == [], markdown
        for p in payloads:
            assert p in _text(rendered), (p, _text(rendered))


def test_narratives_escape_currency_and_names():
    evil = PAYLOADS[0]
    table = pd.DataFrame({"clv": [100.0, 50.0, 10.0], "clv_decile": [1, 2, 3],
                          "p_alive": [0.9, 0.6, 0.2]})
    by = pd.DataFrame({"share of CLV": [0.7, 0.3]}, index=[PAYLOADS[2], "b"])
    text = narrative.clv_summary(table, by, currency=evil)
    assert "**160 \\<img src\\=x onerror\\=alert\\(1\\)\\>**" in text
    _md_check(text, f"160 {evil}", f"The segment worth most is {PAYLOADS[2]}, with 70%")
    summary = pd.DataFrame({"n_orders": [1, 3], "total_revenue": [10.0, 30.0],
                            "first_purchase": pd.to_datetime(["2022-01-01", "2022-02-01"])})
    customers = pd.DataFrame({"customer_type": [PAYLOADS[1], PAYLOADS[3]],
                              "region": ["North", "North"]})
    text = narrative.customer_basics(summary, customers, currency=PAYLOADS[3], lang="zh")
    _md_check(text, f"40 {PAYLOADS[3]}", f"{PAYLOADS[1]} 50%", "地区 North 100%")
    _md_check(narrative.not_run(["03_clv", PAYLOADS[1]]), "skipped: 03_clv, " + PAYLOADS[1])
    assert narrative.format_money(1234.5, "GBP") == "£1,234"  # plain text, for tables
    assert narrative._money(-5, "USD") == "\\-\\$5"


def test_report_text_from_the_context_is_shown_as_given(tmp_path):
    business = {"company": {"description": PAYLOADS[2] + " **not bold**"},
                "analysis": {"purpose": PAYLOADS[3], "background": PAYLOADS[0]}}
    rep = report.Report("T " + PAYLOADS[1], lang="en", subtitle=PAYLOADS[0])
    rep.standard_section("introduction")
    sections.add_introduction(rep, business)
    text = rep.write(tmp_path / "r.html", pdf=False)[0].read_text(encoding="utf-8")
    assert live_payloads(text) == []
    assert "<p><strong>Business</strong>: [x](javascript:alert(1)) **not bold**</p>" in text
    assert "<p><strong>Purpose</strong>: &quot;&gt;&lt;svg onload=alert(1)&gt;</p>" in text
    assert sections.pdf_note([Path("/r/a`b.html")]) == (
        "Report written to `` /r/a`b.html ``. No PDF engine found (WeasyPrint, Chromium or "
        "wkhtmltopdf): open the HTML in a browser and print it to PDF (it is laid out for "
        "printing).")


def test_swot_tows_and_canvas_show_context_text_as_given():
    from custlib.report import strategy

    business = {"swot": {"strengths": [PAYLOADS[1]], "threats": [PAYLOADS[0] + " & co"]},
                "tows": {"so": [PAYLOADS[3]]}, "canvas": {"channels": [PAYLOADS[2]]}}
    facts = strategy.swot_facts({"segment_growth": (0.3, PAYLOADS[1])})
    rep = report.Report("T", lang="en").standard_section("swot")
    rep.swot(strategy.swot_table(business, facts)).tows(strategy.tows_table(business))
    text = rep.canvas(strategy.canvas_blocks(business, {"channels": [PAYLOADS[0]]})).html()
    assert live_payloads(text) == []
    assert ('<li><span class="badge analyst">context file</span> &lt;script&gt;alert(1)'
            '&lt;/script&gt;</li>') in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co</li>" in text
    assert ('<span class="badge analysis">analysis</span> the &lt;script&gt;alert(1)&lt;/script'
            '&gt; segment&#39;s customers spent 30% more') in text
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;</li>" in text
    assert "[x](javascript:alert(1))</li>" in text  # Markdown stays text in a grid


# --- one run of the kit with payloads everywhere -----------------------------------------------

def _payload_inputs(folder: Path) -> dict[str, str]:
    """A small business (40 customers, about 300 lines over two years) whose text carries
    injection payloads: customer ids, descriptions, categories, channels, countries,
    customer attributes, survey answers and every text field of the context file."""
    rng = np.random.default_rng(12)
    ids = [f"C{i:03d}" for i in range(36)] + [p + f" {i}" for i, p in enumerate(PAYLOADS)]
    products = [("P1", "MUG"), ("P2", PAYLOADS[0]), ("P3", "PLATE"), ("P4", PAYLOADS[1]),
                ("P5", "LAMP"), ("P6", PAYLOADS[2]), ("P7", "RUG"), ("P8", PAYLOADS[3])]
    categories = ["Kitchen", PAYLOADS[0], "Decor", PAYLOADS[2]]
    channels = ["web", PAYLOADS[1], "store"]
    countries = ["United Kingdom", PAYLOADS[3], "France"]
    rows, order = [], 0
    start = pd.Timestamp("2022-01-01")
    for k, cid in enumerate(ids):
        scale = float(rng.gamma(4.0, 4.0))  # each customer's own spend level
        first = int(rng.integers(0, 500))
        n_orders = int(rng.integers(2, 10)) if k % 5 else 1
        days = sorted({first, *(first + int(d) for d in rng.integers(5, 230, n_orders - 1))})
        for day in days:
            order += 1
            when = start + pd.Timedelta(days=min(day, 729), hours=int(rng.integers(8, 20)))
            for _ in range(int(rng.integers(1, 4))):
                p = products[int(rng.integers(0, len(products)))]
                rows.append({"Invoice": f"{500000 + order}", "StockCode": p[0],
                             "Description": p[1], "Quantity": int(rng.integers(1, 6)),
                             "InvoiceDate": f"{when:%Y-%m-%d %H:%M:%S}",
                             "Price": f"{scale * rng.uniform(0.7, 1.3):.2f}",
                             "Customer ID": cid, "Country": countries[k % 3],
                             "Category": categories[int(p[0][1]) % 4],
                             "Channel": channels[order % 3]})
    tx = pd.DataFrame(rows)
    tx.to_csv(folder / "transactions.csv", index=False)
    customers = pd.DataFrame({
        "customer_id": ids,
        "customer_type": ["individual"] * 30 + ["organisation"] * 10,
        "age": rng.integers(20, 70, len(ids)),
        "gender": ["female", "male"] * 20,
        "occupation": [PAYLOADS[k % 4] if k % 3 == 0 else "manager" for k in range(len(ids))],
        "region": [PAYLOADS[k % 4] if k % 2 else "North" for k in range(len(ids))],
        "city": [PAYLOADS[(k + 1) % 4] if k % 4 == 0 else "York" for k in range(len(ids))],
        "signup_date": "2021-12-01",
        # two groups of 20: the survival curves need 20 customers a group
        "acquisition_channel": [["email", PAYLOADS[3]][k % 2] for k in range(len(ids))],
    })
    customers.to_csv(folder / "customers.csv", index=False)
    survey = pd.DataFrame({
        "customer_id": ids[::2], "survey_date": "2023-06-01",
        "satisfaction": [(k % 5) + 1 for k in range(20)],
        "recommend": [k % 11 for k in range(20)],
        "repurchase_intention": [(k % 5) + 1 for k in range(20)],
        "top_need": [["price", PAYLOADS[1], "quality", PAYLOADS[2]][k % 4] for k in range(20)],
        "complaint": [k % 3 == 0 for k in range(20)],
        "complaint_text": [PAYLOADS[k % 4] if k % 3 == 0 else "" for k in range(20)],
    })
    survey.to_csv(folder / "survey.csv", index=False)
    context = yaml.safe_load(Path(report.__file__).resolve().parents[2]
                             .joinpath("data/raw/demo/context.yaml").read_text("utf-8"))
    counter = iter(range(10_000))

    def poison(value):
        if isinstance(value, dict):
            return {k: poison(v) for k, v in value.items()
                    if k not in ("features", "positioning")}
        if isinstance(value, list):
            return [poison(v) for v in value]
        if isinstance(value, str):
            return f"{PAYLOADS[next(counter) % 4]} {value[:12]}"
        return value

    for key in ("company", "analysis", "swot", "tows", "canvas"):
        context[key] = poison(context[key])
    for rival in context["competitors"]:
        rival["name"] = poison(rival["name"])
        rival.pop("name_zh", None)
    (folder / "context.yaml").write_text(yaml.safe_dump(context, allow_unicode=True),
                                         encoding="utf-8")
    return {"transactions": str(folder / "transactions.csv"),
            "customers": str(folder / "customers.csv"), "survey": str(folder / "survey.csv"),
            "context": str(folder / "context.yaml")}


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory):
    """ONE run of every notebook on the payload business (about a minute)."""
    from custlib.run.runner import run

    folder = tmp_path_factory.mktemp("payloads")
    params = {**_payload_inputs(folder), "run_name": "payloads", "currency": PAYLOADS[0],
              "report_scope": PAYLOADS[2], "customer": PAYLOADS[1] + " 1", "pdf": False}
    return run(params, reports_dir=folder / "reports", progress=False)


@pytest.mark.fullrun
def test_payload_run_shows_every_payload_as_text(payload_run):
    assert [nb.status for nb in payload_run.notebooks] == ["ok"] * 5
    root = payload_run.folder.root
    pages = sorted(root.rglob("*.html"))
    names = {p.name for p in pages}
    assert {"01_data_cleaning.html", "02_segmentation.html", "03_clv.html",
            "04_lifecycle.html", "05_report.html", "report.html", "report_segments.html",
            "index.html"} <= names
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert live_payloads(text) == [], page.name
    # the payloads did reach the pages, as text
    cleaning = (root / "html" / "01_data_cleaning.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in cleaning  # the currency, in the summary
    rep = (root / "report.html").read_text(encoding="utf-8")
    assert "[x](javascript:alert(1))" in rep  # report_scope, under the title
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rep
    executed = json.loads((root / "notebooks" / "05_report.ipynb").read_text("utf-8"))
    assert executed["cells"]  # the executed notebooks keep their outputs as they were


def test_dollar_signs_in_data_labels_are_not_tex_math():
    """A competitor called "From $5 to $10" is drawn as written (matplotlib would otherwise
    read $5 to $ as math, or stop on an odd number of dollar signs)."""
    import matplotlib.pyplot as plt

    from custlib import i18n

    i18n.setup_matplotlib("en")
    fig, ax = plt.subplots()
    try:
        for label in ("From $5 to $10", "one $ sign", r"$\alpha$ \frac"):
            text = ax.set_title(label)
            fig.canvas.draw()
            assert text.get_text() == label and text.get_parse_math() is False
    finally:
        plt.close(fig)


@pytest.mark.parametrize("html_in,kept", [
    ("<div style=\"background-image:image-set('http://evil/x.png' 1x)\">a</div>", "<div>a</div>"),
    ('<div style="background:-webkit-image-set(&quot;//evil/x.png&quot; 1x)">a</div>',
     "<div>a</div>"),
    ('<div style="position: fixed;top:0;width:100%;height:100%">fake</div>', "<div>fake</div>"),
    ("<style>p{background:image-set('https://evil/x.png' 1x)}</style>", ""),
    ("<style>@font-face{font-family:x;src:local(a)}</style>", ""),
    ('<div style="color:red;text-align:right">ok</div>',
     '<div style="color:red;text-align:right">ok</div>'),
    ("<style>td{position:relative}</style>", "<style>td{position:relative}</style>"),
])
def test_css_that_fetches_or_covers_the_page_is_dropped(html_in, kept):
    assert sanitize_html(html_in) == kept
