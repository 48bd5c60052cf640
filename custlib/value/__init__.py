"""Stage 3 · what each customer is worth.

The one-row-per-customer summary, the buy-till-you-die purchase models (BG/NBD,
Pareto/NBD, MBG/NBD) and Gamma-Gamma spend, their closed-form likelihoods, the choice
between them on a holdout, and customer lifetime value.

Modules, in the order notebook 03 uses them: :mod:`~custlib.value.summary` (one row per
customer), :mod:`~custlib.value.split` (time units, calibration/holdout),
:mod:`~custlib.value.purchase` (the purchase models), :mod:`~custlib.value.fitting` (their
optimiser), :mod:`~custlib.value.formulas` (the formulas), :mod:`~custlib.value.choice`
(holdout errors, model choice), :mod:`~custlib.value.diagnostics` (tracking, P(alive)
history, matrices, simulation), :mod:`~custlib.value.spend` (Gamma-Gamma),
:mod:`~custlib.value.clv` (lifetime value) and :mod:`~custlib.value.bootstrap` (how sure:
intervals of the value by resampling customers). :mod:`~custlib.value.btyd` gathers the BTYD
toolkit in one namespace.
"""
