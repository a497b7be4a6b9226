# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format superuser bench bench-quick schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## Create the virtualenv, install, migrate SQLite, create the cache table that holds the
## login-failure and rate-limit counters (a no-op with REDIS_URL), serve on 127.0.0.1:8000.
run: $(VENV)/.runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py createcachetable
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Install the dev requirements and run the whole suite (SQLite unless DATABASE_URL is set).
test: $(VENV)/.dev
	DJANGO_DEBUG=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

superuser: $(VENV)/.runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## Regenerate the committed OpenAPI document (CI fails when it is stale).
schema: $(VENV)/.runtime
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

## Our token authentication against DRF authtoken and knox, same run, SQLite and PostgreSQL
## (BENCH_DATABASE_URL, default authsite_bench on 127.0.0.1); prints a markdown table.
## docs/performance.md explains it. bench-quick takes under 2 minutes.
bench: $(VENV)/.dev
	$(BIN)/python bench/auth_bench.py --mode full

bench-quick: $(VENV)/.dev
	$(BIN)/python bench/auth_bench.py --mode quick
