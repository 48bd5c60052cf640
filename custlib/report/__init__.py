"""Stage 5 · what to do about it.

Needs and loyalty, competitors, SWOT, TOWS and the Business Model Canvas, the words that
say what a result means, and the customer analysis report document.

Modules: :mod:`~custlib.report.needs`, :mod:`~custlib.report.competitors`,
:mod:`~custlib.report.strategy`, :mod:`~custlib.report.narrative`,
:mod:`~custlib.report.document`.
"""
