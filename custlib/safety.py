"""Safe output: text from data or parameters shown as text, never as markup.

Two layers, so that a company name, a currency, a segment name or a customer id such as
``<img src=x onerror=alert(1)>`` or ``[x](javascript:alert(1))`` is shown literally and
never becomes a live element:

- :func:`escape_markdown` (and :func:`code_span`) escape a value before the kit puts it
  into Markdown (the notebooks' interpretations, the report's paragraphs);
- :func:`sanitize_html` keeps only harmless elements and attributes of an HTML fragment,
  and :func:`sanitize_notebook` applies it to every cell output of an executed notebook
  before it is rendered to HTML (:func:`custlib.run.runner.render_html`). Markdown cells are
  the kit's own text and are left as they are; outputs are not trusted.

Only the standard library's :mod:`html.parser` is used: the sanitiser rebuilds the
fragment from what it parsed, escaping every text and attribute value, so its output
contains no element, attribute or URL scheme outside its allow-lists.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from html.parser import HTMLParser
from typing import Any

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "code_span", "escape_markdown",
           "is_safe_url", "sanitize_html", "sanitize_notebook"]

#: Elements kept by :func:`sanitize_html` (others are dropped, their text kept).
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "samp", "small", "span", "strong", "style", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var", "wbr",
})
#: Elements dropped together with everything inside them.
_DROP_WITH_CONTENT = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "noembed", "noframes", "template", "svg", "math", "title", "textarea", "xmp",
    "plaintext", "head", "select", "option", "audio", "video", "canvas", "portal",
})
_VOID = frozenset({"br", "col", "hr", "img", "wbr", "area", "base", "input", "link", "meta",
                   "param", "source", "track", "embed"})
#: Attributes kept on any allowed element (``style`` only when harmless, see
#: :func:`_safe_css`), plus ``data-*`` attributes.
ALLOWED_ATTRIBUTES = frozenset({
    "align", "alt", "border", "class", "colspan", "dir", "halign", "headers", "height",
    "id", "lang", "rowspan", "scope", "span", "start", "style", "title", "valign", "width",
})
_URL_ATTRIBUTES = {"a": "href", "img": "src"}
_SAFE_SCHEMES = ("http", "https", "mailto")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[a-z0-9+/=\s]*$",
                              re.IGNORECASE)
# CSS that runs code, fetches a resource (a tracking pixel) or lifts a box over the page
_UNSAFE_CSS = re.compile(r"url\s*\(|image-set|\bsrc\s*\(|[\"']\s*(https?:)?//|expression|"
                         r"javascript|vbscript|@import|@font-face|behavior|binding|"
                         r"position\s*:\s*(fixed|sticky)|[<>\\]", re.IGNORECASE)

# Markdown: the punctuation Markdown (CommonMark, GFM, MathJax) or HTML gives a meaning to,
# backslash-escaped (any ASCII punctuation may be, and then stands for itself: ``\<`` is a
# "<" in the text, never the start of a tag; ``\&`` never starts an entity).
_MD_PUNCTUATION = set("\\`*_{}[]()#+-.!|~$^=:\"'<>&")


def escape_markdown(text: Any) -> str:
    """A value as Markdown that renders to exactly that text.

    HTML special characters and Markdown punctuation are escaped with a backslash, so
    ``<img src=x onerror=alert(1)>``, ``**bold**``, ``[x](javascript:...)``, backticks,
    pipes (tables) and ``$`` (math) are shown as typed. Line breaks become spaces, so
    a value cannot start a heading, a list or a code block.

    Parameters
    ----------
    text : object
        Converted with ``str``; ``None`` gives ``""``.

    Returns
    -------
    str

    Examples
    --------
    >>> print(escape_markdown("<b>Tom & Jerry</b>"))
    \\<b\\>Tom \\& Jerry\\</b\\>
    >>> print(escape_markdown("[x](javascript:alert(1))"))
    \\[x\\]\\(javascript\\:alert\\(1\\)\\)
    >>> escape_markdown("Hearth Home")
    'Hearth Home'
    """
    if text is None:
        return ""
    out = []
    for ch in re.sub(r"[\r\n\t\v\f]+", " ", str(text)):
        if ch in _MD_PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def code_span(text: Any) -> str:
    """A value as a Markdown code span (shown in a fixed-width font, literally).

    Backslash escapes do not work inside a code span, so the fence is made longer than
    any run of backticks in ``text``, and line breaks become spaces.

    Examples
    --------
    >>> code_span("duplicates")
    '`duplicates`'
    >>> code_span("a`b")
    '`` a`b ``'
    """
    value = re.sub(r"[\r\n\t\v\f]+", " ", "" if text is None else str(text))
    runs = [len(r) for r in re.findall(r"`+", value)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or runs else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def is_safe_url(url: str, *, image: bool = False) -> bool:
    """Whether a link (``image=False``) or image source is safe to keep.

    Relative URLs and ``http``, ``https`` and ``mailto`` are; ``javascript:``,
    ``vbscript:``, ``data:`` and every other scheme are not, except base64 PNG, JPEG,
    GIF and SVG images for an image source. Control characters and spaces, which
    browsers ignore inside a scheme (``java\\tscript:``), are removed before the check.

    Parameters
    ----------
    url : str
        The attribute value, entities already decoded.
    image : bool
        Whether the URL is an ``img`` source.
    """
    compact = re.sub(r"[\x00-\x20\x7f]+", "", url).lower()
    if image and _SAFE_DATA_IMAGE.match(url.strip()):
        return True
    scheme = re.match(r"^([a-z][a-z0-9+.\-]*):", compact)
    if scheme is None:
        # no scheme: relative, fragment or protocol-relative; a colon before any /?#
        # would make a browser read a scheme, so refuse it
        head = re.split(r"[/?#]", compact, maxsplit=1)[0]
        return ":" not in head
    return scheme.group(1) in _SAFE_SCHEMES


def _safe_css(text: str) -> bool:
    return _UNSAFE_CSS.search(text) is None


class _Sanitizer(HTMLParser):
    """Rebuilds an HTML fragment from allowed elements and attributes only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._drop: list[str] = []  # open elements dropped with their content
        self._style: bool = False  # inside a kept <style>
        self._css: list[str] = []

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = "" if value is None else value
            if name.startswith("on"):
                continue
            if _URL_ATTRIBUTES.get(tag) == name:
                if not is_safe_url(value, image=tag == "img"):
                    continue
            elif name == "style":
                if not _safe_css(value):
                    continue
            elif not (name in ALLOWED_ATTRIBUTES or
                      (name.startswith("data-") and re.fullmatch(r"data-[a-z0-9\-]+", name))):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self._drop:
            if tag == self._drop[-1] and tag not in _VOID:
                self._drop.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if tag not in _VOID:
                self._drop.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return
        if tag == "style":
            self._style = True
            self._css = []
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self._drop or tag in _DROP_WITH_CONTENT or tag not in ALLOWED_TAGS or \
                tag == "style":
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self._drop:
            if tag == self._drop[-1]:
                self._drop.pop()
            return
        if tag == "style" and self._style:
            self._style = False
            css = "".join(self._css)
            if _safe_css(css):
                self.out.append(f"<style>{css}</style>")
            return
        if tag in ALLOWED_TAGS and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._drop:
            return
        if self._style:
            self._css.append(data)
            return
        self.out.append(html.escape(data, quote=False))

    # comments, declarations, processing instructions: dropped
    def handle_comment(self, data: str) -> None:
        return

    def handle_decl(self, decl: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return


def sanitize_html(text: str) -> str:
    """An HTML fragment with only harmless elements and attributes.

    Kept: text (escaped), formatting, lists, tables, ``div``/``span``, images and links
    with safe URLs (:func:`is_safe_url`), ``class``/``id``/``style`` and a few layout
    attributes, and ``<style>`` blocks without URLs, imports or escapes (the CSS of a
    pandas table). Dropped with their content: ``script``, ``iframe``, ``object``,
    ``embed``, ``svg``, ``math``, ``template``, ``noscript`` and similar. Dropped, their
    text kept: every other element (forms, unknown tags). Dropped always: ``on*`` event
    attributes, ``javascript:``/``data:`` URLs (except base64 images), comments.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> sanitize_html('<p onclick="x()">Hi <img src=x onerror=alert(1)></p>'
    ...               '<script>alert(1)</script>')
    '<p>Hi <img src="x"></p>'
    >>> sanitize_html('<a href="javascript:alert(1)">x</a>')
    '<a>x</a>'
    """
    parser = _Sanitizer()
    parser.feed(str(text))
    parser.close()
    if parser._style:  # an unclosed <style>: its content is dropped
        parser._style = False
    return "".join(parser.out)


#: Output types kept by :func:`sanitize_notebook`; the others (JavaScript, widgets,
#: LaTeX, JSON, ...) are dropped.
_KEPT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "image/png", "image/jpeg",
                   "image/gif", "image/svg+xml")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")


def _output_html(markup: str) -> str:
    """Sanitised output HTML in a block MathJax leaves alone (a ``$`` is money, not math)."""
    return f'<div class="tex2jax_ignore">{sanitize_html(markup)}</div>'


def sanitize_notebook(nb: Any) -> Any:
    """Make every cell output of a notebook safe to render to HTML (in place).

    ``text/markdown`` outputs are rendered to HTML as nbconvert would and replaced by the
    sanitised HTML (:func:`sanitize_html`); ``text/html`` outputs are sanitised; both are
    wrapped in a block MathJax ignores. Images must be base64 (SVG is rendered by
    nbconvert as an ``<img>``, where scripts do not run); other output types and the
    widget state are dropped. Markdown cells (the kit's own text) are left as they are.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Read with ``nbformat.read(..., as_version=4)``.

    Returns
    -------
    nbformat.NotebookNode
        The same notebook.
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is None:
                continue
            for mime in list(data):
                if mime not in _KEPT_MIMETYPES:
                    del data[mime]
            if "text/markdown" in data:
                source = data.pop("text/markdown")
                source = "".join(source) if isinstance(source, list) else str(source)
                data["text/html"] = _output_html(markdown2html_mistune(source))
            elif "text/html" in data:
                markup = data["text/html"]
                markup = "".join(markup) if isinstance(markup, list) else str(markup)
                data["text/html"] = _output_html(markup)
            for mime in ("image/png", "image/jpeg", "image/gif"):
                if mime in data and not _is_base64(data[mime]):
                    del data[mime]
            if "image/svg+xml" in data:
                svg = data["image/svg+xml"]
                data["image/svg+xml"] = "".join(svg) if isinstance(svg, list) else str(svg)
            if not data:
                data["text/plain"] = ""
    return nb


def _is_base64(value: Any) -> bool:
    text = "".join(value) if isinstance(value, list) else str(value)
    if not _BASE64.match(text):
        return False
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
