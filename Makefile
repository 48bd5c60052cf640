# custlib: two commands on a fresh machine with Python 3.11+ and make.
#   make report   set up .venv if needed, run every notebook on the demo data, print the report path
#   make test     set up .venv if needed, run the test suite: unit tests, the runner, one run of
#                 every notebook (the demo run, compared with tests/golden)
# The suite's parts (markers in pyproject.toml, given in conftest.py):
#   make unit       the fast tests and doctests (marker unit; under a minute on 2 cores)
#   make notebooks  the tests that execute notebooks (marker notebooks): the demo run and the
#                   runner's small notebooks
#   make test-full  the other end-to-end runs (marker fullrun): the kit on CDNOW, the kit on
#                   hostile text, batch runs, the report looked at in headless Chromium and its
#                   printed pages checked (tests/test_browser.py, tests/test_pages.py); CI
#                   (.ci/run) runs it after make test
#   make corpus     the kit on every shape of the variety corpus (marker corpus, docs/corpus.md):
#                   odd real-world logs, each run checked against the run invariants; CI runs
#                   it after make test-full
#   make nbval      every notebook executed in place by nbval, one after the other
#   make test-deep  the whole suite with 1,000 random examples a Hypothesis property
#   make glossary   docs/glossary.md and docs/glossary.zh.md from custlib/teaching/glossary.yaml
#                   (tests/test_glossary.py fails while they differ)
#   make student    the notebooks for a class: build/student/ (exercises, no solutions) and
#                   build/teacher/ (with the solutions), outputs stripped, each with a README
#   make pages      every page of the demo runs' PDFs (en, zh: the report and the segment
#                   report) as PNG in reports/<run>/pages/,
#                   with what the page checks find (text under 7 pt, pages more than half empty);
#                   runs the kit first when a report.pdf is missing
PYTHON ?= python3
VENV   ?= .venv
PARAMS ?= params/demo.yaml
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.custlib-installed
PYTEST_ARGS ?=
# two workers, whole files each; the order of the files (the kit runs first) is
# conftest.py's, so xdist keeps it instead of putting the files with most tests first
XDIST  := -n 2 --dist loadfile --no-loadscope-reorder

.PHONY: help install report test unit notebooks test-full corpus nbval test-deep lint lab demo-data strip \
        clean params pages glossary student

help:
	@echo "make report  - run every notebook on the bundled demo data (PARAMS=$(PARAMS))"
	@echo "make test    - run the test suite: unit tests, the runner, one run of every notebook"
	@echo "make unit    - only the fast tests and doctests (under a minute)"
	@echo "make notebooks - only the tests that execute notebooks (the demo run, the runner)"
	@echo "make test-full - the other end-to-end runs: CDNOW, hostile text, batches (CI runs it too)"
	@echo "make corpus  - the kit on every shape of the variety corpus, invariants checked (CI too)"
	@echo "make nbval   - execute every notebook in place with nbval (each runs as committed)"
	@echo "make test-deep - the whole suite with 1,000 random examples a Hypothesis property"
	@echo "make pages   - every page of the demo PDFs (en, zh) as PNG in reports/<run>/pages/, checked"
	@echo "make lab     - open the notebooks in JupyterLab"
	@echo "make params  - list the parameters of every notebook"
	@echo "make glossary - write docs/glossary.md and docs/glossary.zh.md from custlib/teaching/glossary.yaml"
	@echo "make student - student copies (no solutions) in build/student/, teacher copies in build/teacher/"
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
	$(PY) -m pytest $(XDIST) -m "not fullrun and not corpus" $(PYTEST_ARGS)

unit: $(STAMP)
	$(PY) -m pytest $(XDIST) -m unit $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(PY) -m pytest $(XDIST) -m "notebooks and not fullrun and not corpus" $(PYTEST_ARGS)

test-full: $(STAMP)
	$(PY) -m pytest $(XDIST) -m fullrun $(PYTEST_ARGS)

# the shapes are the tests of one file: --dist load spreads them over both workers
corpus: $(STAMP)
	$(PY) -m pytest -n 2 --dist load -m corpus $(PYTEST_ARGS)

# nbval runs the notebooks in order in one process (02 reads what 01 wrote), into a
# throw-away CUSTLIB_REPORTS_DIR (conftest.py); --nbval-lax checks that every cell runs.
nbval: $(STAMP)
	$(PY) -m pytest --nbval-lax --nbval-current-env notebooks/ $(PYTEST_ARGS)

test-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)  # every marker

# the PNGs a reader would see, and the page checks of tests/test_pages.py printed beside them
PAGE_RUNS ?= demo demo_zh
REPORTS   ?= reports
pages: $(STAMP)
	@for run in $(PAGE_RUNS); do test -f $(REPORTS)/$$run/report.pdf || \
	  $(PY) -m custlib run --params params/$$run.yaml --reports-dir $(REPORTS) --no-html --quiet \
	  || exit 1; done
	$(PY) -m tests.pages $(foreach run,$(PAGE_RUNS),$(REPORTS)/$(run)/report.pdf \
	  $(REPORTS)/$(run)/report_segments.pdf)

lint: $(STAMP)
	$(VENV)/bin/ruff check custlib tests

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

params: $(STAMP)
	$(PY) -m custlib params

glossary: $(STAMP)
	$(PY) -m custlib.teaching.glossary
student: $(STAMP)
	$(PY) -m custlib student --out build

demo-data: $(STAMP)
	$(PY) -m custlib demo

strip: $(STAMP)
	$(VENV)/bin/nbstripout --keep-id notebooks/*.ipynb

clean:
	rm -rf reports/*/ .pytest_cache
