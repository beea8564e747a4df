# The two commands of the README:
#   make book   install, then execute every chapter notebook (quick profile), outputs written back
#   make test   install, then ruff, the unit tests, nbval over every notebook and the student edition's
#               check (every exercise's check fails on its stub and passes on its solution)
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

.PHONY: install book test unit nbval student-check lint lab bench smoke student site site-test clean-venv

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
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist loadscope -m "not notebooks" tests

# --dist loadfile: every cell of a notebook goes to one worker, in order, in that worker's kernel.
# Notebooks that read a run another one trains in runs/book (5.3, 6.1, 6.3: book_run_dir without
# fresh=True) start after the others have finished; nbrun --readers names them (after the install).
READS_RUNS = $(shell $(PY) -m book_utils.nbrun --readers $(NOTEBOOKS))
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=900
nbval: install
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(filter-out $(READS_RUNS),$(NOTEBOOKS))
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(READS_RUNS)

# the student edition's check: in every notebook, each exercise's check fails on the student's stub and
# passes on the solution (tests/test_student.py, marker notebooks); after nbval, whose trainers wrote the
# runs that the readers need, and like nbval the readers last
student-check: install
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist load -m notebooks -k "not read_runs" tests/test_student.py
	$(SHARED) $(PY) -m pytest -n $(JOBS) --dist load -m notebooks -k read_runs tests/test_student.py

test: lint unit nbval student-check

lab: install
	$(VENV)/bin/jupyter lab chapters

bench: install
	$(PY) -m book_utils.nbrun --table --jobs 1 $(NOTEBOOKS)

smoke: install
	$(PY) -m book_utils.smoke --jobs $(JOBS) $(NOTEBOOKS)

# the student edition: copies of the notebooks with the exercise solutions stubbed out (README)
student: install
	$(PY) -m book_utils.student --out student/ $(NOTEBOOKS)

# The book as a website (README, "The book as a website"). Jupyter Book 1.x and Playwright live in
# their own environment, .venv-site (the `site` extra, with the book's pins as constraints: Jupyter
# Book needs an older markdown-it-py than the book's environment has); MathJax 3 comes from npm
# (site/package-lock.json) into _build/site-npm. make site-test drives the system's Chromium.
SITE_VENV  := .venv-site
SITE_PY    := $(SITE_VENV)/bin/python
SITE_STAMP := $(SITE_VENV)/.installed-stamp
MATHJAX    := _build/site-npm/node_modules/mathjax/es5/tex-mml-chtml.js

$(SITE_STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(SITE_VENV)
	$(SITE_PY) -m book_utils.site.pins --extra site > $(SITE_VENV)/site-requirements.txt
	$(SITE_PY) -m book_utils.site.pins --dependencies > $(SITE_VENV)/book-constraints.txt
	$(SITE_PY) -m pip install -r $(SITE_VENV)/site-requirements.txt -c $(SITE_VENV)/book-constraints.txt
	touch $(SITE_STAMP)

$(MATHJAX): site/package.json site/package-lock.json
	mkdir -p _build/site-npm
	cp site/package.json site/package-lock.json _build/site-npm/
	cd _build/site-npm && npm ci --no-audit --no-fund
	touch $(MATHJAX)

# SITE_FONT: a font file with Chinese glyphs (.ttf, .otf or .ttc) where Debian's fonts-wqy-microhei is absent
site: $(SITE_STAMP) $(MATHJAX)
	$(SITE_PY) -m book_utils.site.build $(if $(SITE_FONT),--font "$(SITE_FONT)")

site-test: $(SITE_STAMP)
	$(SITE_PY) -m book_utils.site.check --self-test
	$(SITE_PY) -m book_utils.site.check _build/site

clean-venv:
	rm -rf $(VENV)
