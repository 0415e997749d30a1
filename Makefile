# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOME_DIR ?= workspace
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup demo test lint format ui docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

## Generate sample data and close 2026-07..2026-10 on the embedded DuckDB warehouse.
demo: setup
	$(BIN)/jifen demo --home $(HOME_DIR)

## Lint (ruff, sqlfluff) and the whole test-suite.
test: setup lint
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The Dagster UI on the workspace: asset graph, runs, schedules.
ui: setup
	JIFEN_HOME=$(abspath $(HOME_DIR)) DAGSTER_HOME=$(abspath $(HOME_DIR))/state/dagster \
	  $(BIN)/dagster dev -m orchestration.definitions

## dbt's documentation site of the models.
docs: setup
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir .

clean:
	rm -rf $(HOME_DIR) dbt_project/target dbt_project/logs .pytest_cache
