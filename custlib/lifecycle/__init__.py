"""Stage 4 · where each customer is in the lifecycle.

Stages at any date (potential, new, active, loyal, at risk, reactivated, dormant,
churned), transitions between snapshots, and acquisition cohorts with their retention
and survival.

Modules: :mod:`~custlib.lifecycle.stages` (stages at a date, the stager and its
thresholds), :mod:`~custlib.lifecycle.transitions` (stage counts over time, moves between
stages, new versus returning business), :mod:`~custlib.lifecycle.actions` (the action
lists and pseudonyms), :mod:`~custlib.lifecycle.cohorts` (acquisition cohorts, survival).
"""
