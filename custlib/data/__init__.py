"""Stage 1 · the data.

The contract (which tables the kit reads and how a user's columns map onto them),
loading files, Parquet datasets, databases and presets, parsing text into typed columns,
cleaning with every row and unit of revenue accounted for, profiling a log, and the seeded
demo business.

Modules: :mod:`~custlib.data.contract`, :mod:`~custlib.data.loading` (reading through
:mod:`~custlib.data.files`, :mod:`~custlib.data.datasets`, :mod:`~custlib.data.database`,
:mod:`~custlib.data.presets` and :mod:`~custlib.data.context`),
:mod:`~custlib.data.parsing`, :mod:`~custlib.data.cleaning` (a pipeline of rule objects),
:mod:`~custlib.data.profiling` (its figures in :mod:`custlib.plots.data`),
:mod:`~custlib.data.tables`, :mod:`~custlib.data.ids` (labels of many lines by id),
:mod:`~custlib.data.demo`.
"""
