"""Stage 2 · classification and segmentation.

RFM scores and named RFM segments, k-means clusters, the classification schemes of the
Chinese customer analysis texts (value, importance, relationship), and who is in each
segment.

Modules: :mod:`~custlib.segments.rfm`, :mod:`~custlib.segments.clustering`,
:mod:`~custlib.segments.schemes`, :mod:`~custlib.segments.profiles`.
"""
