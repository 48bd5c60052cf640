"""Stage 5 · what to do about it: needs and loyalty, competitors, SWOT and the canvas, the
words and the report document.
"""
