"""Chinese glyphs in the report without a system font: a subset of Noto Sans CJK, embedded.

A report with Chinese text carries the font it needs, cut down to the characters it uses
(a few dozen KiB instead of 16 MiB), as an ``@font-face`` rule with the font inline: the
HTML shows real glyphs on any machine and the PDF engines embed them as text.

The subset is converted from CFF outlines to TrueType (``glyf``) ones. Noto Sans CJK is a
CID-keyed CFF font; WeasyPrint embeds such a font as it is and writes glyph ids into the
page, which pdfium reads as glyph ids but MuPDF (SumatraPDF, zathura, mobile viewers)
reads, as the PDF specification says, as CIDs through the font's charset: after subsetting
the two no longer agree and MuPDF drew the wrong glyphs (907 of 909). A TrueType font is
embedded as ``CIDFontType2`` with an identity map, read the same way by every viewer.
The font has no bold face, so a second one is made by thickening the outlines
(:func:`_embolden`): headings and bold text are bold in print too.
"""

from __future__ import annotations

import base64
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

__all__ = ["FALLBACK_FONTS", "font_css", "font_face", "has_cjk"]

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

#: The report's font list after the embedded font: system CJK fonts, then Latin ones.
FALLBACK_FONTS = ("'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Microsoft YaHei',Arial,"
                  "sans-serif")

#: The family name of the embedded subset.
FAMILY = "custlib CJK"


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a Chinese (CJK) character or CJK punctuation.

    Examples
    --------
    >>> has_cjk("复购率 50%"), has_cjk("repeat rate")
    (True, False)
    """
    return bool(_CJK.search(text))


def font_face(text: str) -> tuple[str, str]:
    """An ``@font-face`` rule embedding the CJK font, subset to the characters of ``text``.

    Parameters
    ----------
    text : str
        What the page shows (embedded PNG data is left out of the character set).

    Returns
    -------
    tuple of str
        The rules (a regular and a bold face) and their family name; two empty strings
        when the font (from the ``mplfonts`` package) is not installed.
    """
    from custlib.i18n import cjk_font_path

    path = cjk_font_path()
    if path is None:
        return "", ""
    from fontTools import subset

    visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    chars = "".join(sorted(set(visible)))
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(path, options)
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    rules = []
    cmap = font.getBestCmap()
    heavy = {cmap[ord(ch)] for ch in _bold_text(visible) if ord(ch) in cmap}
    for weight in ("normal", "bold"):
        if weight == "bold":
            _embolden(font, heavy)
        buf = io.BytesIO()
        subset.save_font(font, buf, options)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(f"@font-face{{font-family:'{FAMILY}';font-weight:{weight};"
                     f"src:url(data:font/woff;base64,{data}) format('woff');}}")
    return "".join(rules), FAMILY


#: Elements the stylesheet sets in bold (headings, table headers and captions, KPI values).
_BOLD = re.compile(r"<(h[1-6]|th|b|strong|caption)\b[^>]*>(.*?)</\1>|"
                   r"<div class=\"v\">(.*?)</div>", re.S)


def _bold_text(html: str) -> str:
    """The characters a page shows in bold, and every printable ASCII one.

    Examples
    --------
    >>> sorted(set(_bold_text("<h2>摘要</h2><p>正文</p>")) - set(map(chr, range(32, 127))))
    ['摘', '要']
    """
    found = "".join(a or b for _, a, b in _BOLD.findall(html))
    return re.sub(r"<[^>]*>", "", found) + "".join(map(chr, range(32, 127)))


def _embolden(font: TTFont, names: set[str], stroke: int = 28) -> None:
    """Thicken the outlines of glyphs ``names`` of a TrueType font by ``stroke`` units.

    The font has no bold face: headings, table headers and bold text would be drawn in
    the regular one (PDF engines do not fake bold). Each glyph is drawn four times,
    ``stroke`` units apart (2.8% of the em), centred on its place; the overlapping contours
    fill as one shape. The advance widths stay, so bold text takes the room regular text
    does.

    Parameters
    ----------
    font : fontTools.ttLib.TTFont
        With ``glyf`` outlines (:func:`_to_truetype`); changed in place.
    names : set of str
        The glyphs shown in bold (:func:`_bold_text`); the others stay as they are.
    stroke : int, default 28
        In font units.
    """
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    glyf, hmtx = font["glyf"], font["hmtx"]
    glyph_set = font.getGlyphSet()
    half = stroke / 2
    bold = {}
    for name in font.getGlyphOrder():
        if name not in names or glyf[name].numberOfContours == 0:  # not bold, or no outline
            continue
        pen = TTGlyphPen(glyph_set)
        for dx, dy in ((0, 0), (stroke, 0), (0, stroke), (stroke, stroke)):
            glyph_set[name].draw(TransformPen(pen, (1, 0, 0, 1, dx - half, dy - half)))
        bold[name] = pen.glyph()
    for name, glyph in bold.items():
        glyf[name] = glyph
        glyph.recalcBounds(glyf)
        hmtx[name] = hmtx[name][0], glyph.xMin
    font["maxp"].recalc(font)


def _to_truetype(font: TTFont) -> None:
    """Replace a font's CFF outlines by TrueType (quadratic) ones, in place.

    Cubic curves become quadratic within 1 font unit (of 1000 a em: invisible in print);
    the horizontal metrics keep their advance widths, the left side bearings follow the
    new outlines, hinting is dropped (the CFF hints do not carry over).

    Parameters
    ----------
    font : fontTools.ttLib.TTFont
        An OpenType font with a ``CFF `` table (CID-keyed or not).
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    if "VORG" in font:  # vertical origins belong to CFF fonts
        del font["VORG"]
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf)
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        advance, _ = hmtx[name]
        hmtx[name] = advance, getattr(glyph, "xMin", 0)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    maxp.recalc(font)  # the point, contour and component counts of the new outlines
    post = font["post"]
    post.formatType = 3.0  # no glyph names: the CID names ("cid12345") are not needed
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def font_css(text: str) -> tuple[str, str]:
    """The font rule and the font list of a page showing ``text``.

    Parameters
    ----------
    text : str
        The page's body. A font is embedded when it has CJK characters (in a Chinese
        report always: its headings are Chinese; in an English one, a Chinese segment
        name is enough).

    Returns
    -------
    tuple of str
        The ``@font-face`` rule (empty when none is needed) and the CSS ``font-family``
        value.
    """
    face, family = font_face(text) if has_cjk(text) else ("", "")
    return face, (f"'{family}'," if family else "") + FALLBACK_FONTS
