"""Running the kit.

- :mod:`~custlib.run.config`: the one module that resolves paths, and the run folder;
- :mod:`~custlib.run.artefacts`: every file a run writes, listed in its manifest;
- :mod:`~custlib.run.params` (with :mod:`~custlib.run.checks` and
  :mod:`~custlib.run.yamlsafe`): what the notebooks declare, their defaults read from
  the ``parameters`` cells, a run's values checked;
- :mod:`~custlib.run.workflow`: what a notebook reads from its run, computing what is
  missing through :func:`custlib.run.standalone.provide`, which says so;
  :mod:`~custlib.run.results` and :mod:`~custlib.run.customers` behind it;
- :mod:`~custlib.run.runner` (with :mod:`~custlib.run.kernels`,
  :mod:`~custlib.run.folders`, :mod:`~custlib.run.outcome` and :mod:`~custlib.run.index`):
  the notebooks run into a run folder; :mod:`~custlib.run.batch`: one run per group;
  :mod:`~custlib.run.cli`: the ``custlib`` command.
"""
