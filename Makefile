# custlib: two commands on a fresh machine with Python 3.11+ and make.
#   make report   set up .venv if needed, run every notebook on the demo data, print the report path
#   make test     set up .venv if needed, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PARAMS ?= params/demo.yaml
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.custlib-installed
PYTEST_ARGS ?=

.PHONY: help install report test lint lab demo-data strip clean params

help:
	@echo "make report  - run every notebook on the bundled demo data (PARAMS=$(PARAMS))"
	@echo "make test    - run the test suite (unit tests, notebooks with nbval, runner)"
	@echo "make lab     - open the notebooks in JupyterLab"
	@echo "make params  - list the parameters of every notebook"
	@echo "make demo-data - regenerate data/raw/demo from the seeded generator"
	@echo "make strip   - strip outputs from the notebooks before committing"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "custlib needs Python 3.11 or newer; run: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml requirements/constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(PY) -m custlib run --params $(PARAMS)

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check custlib tests

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

params: $(STAMP)
	$(PY) -m custlib params

demo-data: $(STAMP)
	$(PY) -m custlib demo

strip: $(STAMP)
	$(VENV)/bin/nbstripout --keep-id notebooks/*.ipynb

clean:
	rm -rf reports/*/ .pytest_cache
