"""Running the kit.

The one module that resolves paths (:mod:`~custlib.run.config`), the files notebooks
hand each other (:mod:`~custlib.run.artefacts`), the notebooks' parameters
(:mod:`~custlib.run.params`), the steps a notebook opened alone computes
(:mod:`~custlib.run.workflow`), the runner, batches and the command line.
"""
