"""Stage 4 · the customer lifecycle: stages, transitions and acquisition cohorts."""
