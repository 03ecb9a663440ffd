# Each target installs the project into .venv first, so it is the only command a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test bench lint format schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/sgo up --demo

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m tests.bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rewrite gateway/schema/public.graphql from the subgraphs' code (refused on a breaking change).
schema: install
	$(BIN)/python -m gateway.schema_contract

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
