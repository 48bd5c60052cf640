"""Chinese glyphs in the report without a system font: a subset of Noto Sans CJK, embedded.

A report with Chinese text carries the font it needs, cut down to the characters it uses
(a few dozen KiB instead of 16 MiB), as an ``@font-face`` rule with the font inline: the
HTML shows real glyphs on any machine and the PDF engines embed them as text.
"""

from __future__ import annotations

import base64
import io
import re

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
        The rule and its family name; two empty strings when the font (from the
        ``mplfonts`` package) is not installed.
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
    buf = io.BytesIO()
    subset.save_font(font, buf, options)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{FAMILY}';src:url(data:font/woff;base64,{data}) "
            "format('woff');}", FAMILY)


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
