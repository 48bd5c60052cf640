"""Figures: the shared theme and the figures of each stage. Every function takes an
optional ``ax`` and returns it.
"""
