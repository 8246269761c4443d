# fuwu — everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-test lint typecheck messages fuzz bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## run: set up, migrate, load the demo organisation, serve http://$(HOST):$(PORT) with the background
## worker (sweeps: warnings, escalations, A/B hand-over); Ctrl-C stops both
run: install
	$(BIN)/fuwu migrate --no-input
	$(BIN)/fuwu demo --if-empty
	$(BIN)/fuwu run $(HOST):$(PORT)

## test: the whole suite on SQLite, then on PostgreSQL and with the browser where available
test: install-test
	$(BIN)/python scripts/run_tests.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src/fuwu
	$(BIN)/fuwu makemigrations --check --dry-run

typecheck: install-test
	$(BIN)/mypy src/fuwu

## messages: extract translatable strings into the catalogues and compile them
messages: install-test
	$(BIN)/python scripts/messages.py

## fuzz: schemathesis over the whole API on a throw-away installation (0 server errors, 0 mismatches)
fuzz: install-test
	$(BIN)/python scripts/fuzz_api.py $(FUZZ_ARGS)

bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build dist src/*.egg-info
