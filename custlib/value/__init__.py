"""Stage 3 · what each customer is worth.

The one-row-per-customer summary, the buy-till-you-die purchase models (BG/NBD,
Pareto/NBD, MBG/NBD) and Gamma-Gamma spend, their closed-form likelihoods, the choice
between them on a holdout, and customer lifetime value.

Modules: :mod:`~custlib.value.summary`, :mod:`~custlib.value.btyd`,
:mod:`~custlib.value.formulas`, :mod:`~custlib.value.clv`.
"""
