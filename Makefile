# The two commands of the README:
#   make book   install, then execute every chapter notebook (quick profile), outputs written back
#   make test   install, then ruff, the unit tests and nbval over every notebook
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NOTEBOOKS := $(sort $(wildcard chapters/*/*.ipynb))
export BOOK_PROFILE ?= quick

.PHONY: install book test unit nbval lint lab bench clean-venv

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
	$(PY) -m book_utils.bench.notebooks --execute-inplace $(NOTEBOOKS)

lint: install
	$(VENV)/bin/ruff check book_utils tests chapters

unit: install
	$(PY) -m pytest tests

nbval: install
	$(PY) -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=900 chapters

test: lint unit nbval

lab: install
	$(VENV)/bin/jupyter lab chapters

bench: install
	$(PY) -m book_utils.bench.notebooks --table $(NOTEBOOKS)

clean-venv:
	rm -rf $(VENV)
