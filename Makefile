# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Something already listening on HOST:PORT (often another `make run`) is named with the fix.
define PORT_CHECK
import socket, sys
host, port = sys.argv[1].strip("[]"), int(sys.argv[2])
with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
    probe.settimeout(1)
    if probe.connect_ex((host, port)) == 0:
        sys.exit(f"Port {port} on {host} is already in use (another make run?); stop it, or serve on another port: make run PORT={port + 1}")
endef
export PORT_CHECK

.PHONY: run serve test test-multinode lint format superuser bench bench-quick bench-outage schema clean

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
## A busy port stops it before anything runs, naming the way out (`make run PORT=8001`).
run: $(VENV)/.runtime
	@$(BIN)/python -c "$$PORT_CHECK" $(HOST) $(PORT)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py createcachetable
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Serve as in production: debug off, the release steps (migrate, collectstatic), then gunicorn
## with gunicorn.conf.py on $(HOST):$(PORT). Needs DJANGO_SECRET_KEY; see docs/production.md
## for the variables of a local run without TLS.
serve: $(VENV)/.runtime
	DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=0 HOST=$(HOST) PORT=$(PORT) exec $(BIN)/gunicorn -c gunicorn.conf.py authsite.wsgi

## Install the dev requirements and run the whole suite (SQLite unless DATABASE_URL is set),
## printing branch coverage of accounts/ and authsite/ (.ci/run sets a floor).
## On PostgreSQL the race tests hold up to 30 connections at once: a pool that large.
COVERAGE_ARGS ?= --cov=accounts --cov=authsite --cov-branch --cov-report=term:skip-covered
test: $(VENV)/.dev
	DJANGO_DEBUG=1 DJANGO_DB_POOL_MAX_SIZE=$${DJANGO_DB_POOL_MAX_SIZE:-40} $(BIN)/pytest $(COVERAGE_ARGS) $(PYTEST_ARGS)

## Fault tests on servers of their own: PostgreSQL stopped, frozen and short of connections,
## Redis stopped, a burst of SQLite sign-ups (docs/failures.md). Root only; a few minutes.
test-multinode: $(VENV)/.dev
	DJANGO_DEBUG=1 $(BIN)/pytest -m multinode tests/multinode $(PYTEST_ARGS)

## Style, the import contracts of pyproject.toml (docs/architecture.md) and types.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_DEBUG=1 $(BIN)/mypy

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
	$(BIN)/python bench/outage.py

bench-quick: $(VENV)/.dev
	$(BIN)/python bench/auth_bench.py --mode quick

## A database outage as a client sees it: later 503s, /healthz, recovery (root only).
bench-outage: $(VENV)/.dev
	$(BIN)/python bench/outage.py
