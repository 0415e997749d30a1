# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SPARK_STAMP := $(VENV)/.spark-stamp
HOME_DIR ?= workspace
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup java browser postgres demo test lint format ui serve docs bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## The Spark engine's packages (pyspark, dbt-spark); the tests need them, `make demo` does not.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

setup: $(STAMP)

## Generate sample data and close 2026-07..2026-10 on the embedded DuckDB warehouse.
demo: setup
	$(BIN)/jifen demo --home $(HOME_DIR)

## Lint (ruff, sqlfluff) and the whole test-suite, one test file per worker on two workers
## (files share closed workspaces in module fixtures; the slowest 25 tests are listed).
test: setup $(SPARK_STAMP) java browser postgres lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=25

## The report tests use a real headless browser: Debian's chromium and CJK fonts, installed when
## we are root on a Debian-like machine (CI is); elsewhere those tests say why they skip.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-cjk >/dev/null) || echo "could not install chromium"; \
	else echo "no chromium: browser tests will be skipped (apt-get install chromium fonts-noto-cjk)"; fi

## The Spark engine's tests need a Java runtime (17 or 21): Debian's, installed like the browser.
java:
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    openjdk-17-jre-headless >/dev/null) || echo "could not install java"; \
	else echo "no java: the Spark tests will be skipped (apt-get install openjdk-17-jre-headless)"; fi

## The served daemon's PostgreSQL test starts a throw-away server from Debian's postgresql
## package, installed like the browser when we are root (CI is); elsewhere that test skips.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    postgresql >/dev/null) || echo "could not install postgresql"; \
	else echo "no postgresql: its test will be skipped (apt-get install postgresql)"; fi

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

## jifen as a service (docs/operations.md, "Running in production"): Dagster webserver and
## daemon on the workspace, the monthly close, daily standings and landing sensor running.
serve: setup
	$(BIN)/jifen serve --home $(HOME_DIR)

## The benchmark (docs/benchmarks.md): floor vs close at 100k, 1M and 10M sales rows a month.
SCALES ?= 100k,1m,10m
bench: setup
	$(BIN)/python bench/run.py --scales $(SCALES) --out docs/benchmarks.md

## dbt's documentation site of the models.
docs: setup
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir .

clean:
	rm -rf $(HOME_DIR) dbt_project/target dbt_project/logs .pytest_cache
