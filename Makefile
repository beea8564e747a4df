# The two commands of the README:
#   make book   install, then execute every chapter notebook (quick profile), outputs written back
#   make test   install, then ruff, the unit tests and nbval over every notebook
# and the full profile's smoke test (what .ci/run runs after make test):
#   make smoke  every notebook with BOOK_PROFILE=full BOOK_SMOKE=1 in fresh kernels, outputs not written
# Notebooks and test files run $(JOBS) at a time (pytest-xdist; book_utils.nbrun --jobs).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(wildcard chapters/*/*.ipynb))
JOBS   ?= 2
# two processes share the 2 cores: idle OpenMP threads must not spin (README, Benchmarks: Threads)
SHARED := OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE}
export BOOK_PROFILE ?= quick

.PHONY: install book test unit nbval lint lab bench smoke student clean-venv

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name genai-book --display-name "Python (genai-book)"
	touch $(STAMP)

install: $(STAMP)

book: install
	$(PY) -m book_utils.nbrun --execute-inplace --jobs $(JOBS) $(NOTEBOOKS)

lint: install
	$(VENV)/bin/ruff check book_utils tests chapters

unit: install
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist loadscope tests

# --dist loadfile: every cell of a notebook goes to one worker, in order, in that worker's kernel.
# Notebooks that read a run another one trains in runs/book (5.3, 6.1, 6.3: book_run_dir without
# fresh=True) start after the others have finished; nbrun --readers names them (after the install).
READS_RUNS = $(shell $(PY) -m book_utils.nbrun --readers $(NOTEBOOKS))
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=900
nbval: install
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(filter-out $(READS_RUNS),$(NOTEBOOKS))
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(READS_RUNS)

test: lint unit nbval

lab: install
	$(VENV)/bin/jupyter lab chapters

bench: install
	$(PY) -m book_utils.nbrun --table --jobs 1 $(NOTEBOOKS)

smoke: install
	$(PY) -m book_utils.smoke --jobs $(JOBS) $(NOTEBOOKS)

# the student edition: copies of the notebooks with the exercise solutions stubbed out (README)
student: install
	$(PY) -m book_utils.student --out student/ $(NOTEBOOKS)

clean-venv:
	rm -rf $(VENV)
