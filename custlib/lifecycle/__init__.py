"""Stage 4 · where each customer is in the lifecycle.

Stages at any date (new, active, at risk, lapsed, won back), transitions between
snapshots, and acquisition cohorts with their retention and survival.

Modules: :mod:`~custlib.lifecycle.stages`, :mod:`~custlib.lifecycle.cohorts`.
"""
