# Kepu: `make run` serves the platform on SQLite with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test test-pg e2e lint bench messages clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kepu serve --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -n 2 -q

test-pg: $(STAMP)
	bash scripts/test-pg.sh

e2e: $(STAMP)
	bash scripts/e2e.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/kepu makemigrations --check --dry-run
	KEPU_VAR_DIR=$$(mktemp -d) $(BIN)/kepu spectacular --validate --fail-on-warn --file /dev/null

bench: $(STAMP)
	$(BIN)/python bench/run.py

messages: $(STAMP)
	cd kepu && ../$(BIN)/kepu makemessages -l en --no-obsolete && ../$(BIN)/kepu compilemessages -l en

clean:
	rm -rf $(VENV) var build *.egg-info
