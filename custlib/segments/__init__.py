"""Stage 2 · classification and segmentation: RFM, k-means clusters, the named schemes of
the customer analysis texts, segment profiles.
"""
