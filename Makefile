# arflow — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export ARFLOW_VAR ?= $(CURDIR)/var
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST_ARGS ?=

.PHONY: help install run test test-fast up down status kafka postgres chromium services-down lint contracts bench clean chaos chaos-short

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

install: ## install uv (from PyPI) and every Python package from the lock file
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: install ## the whole platform on embedded defaults (SQLite + in-process bus), Ctrl-C stops it
	@ARFLOW_DATA_DIR=$${ARFLOW_DATA_DIR:-$(ARFLOW_VAR)} $(UV) run --frozen arflow run

.PHONY: demo
demo: install ## replay real AR history (starts the platform unless make run/up is up), report in var/report.html
	@ARFLOW_DATA_DIR=$${ARFLOW_DATA_DIR:-$(ARFLOW_VAR)} $(UV) run --frozen arflow demo $(DEMO_ARGS)

chromium: ## install Debian's headless Chromium (for the report screenshot test) if missing
	@deploy/chromium.sh install

kafka: ## fetch (Maven Central) and start a single-node Kafka in KRaft mode on 127.0.0.1:19092
	@deploy/kafka.sh start

postgres: ## install (Debian) and start PostgreSQL on 127.0.0.1:55432
	@deploy/postgres.sh start

test: install kafka postgres chromium ## install what is missing, start Kafka and PostgreSQL, run every test
	@$(UV) run --frozen pytest $(PYTEST_ARGS)

test-fast: install ## the tests that need neither Kafka nor PostgreSQL
	@$(UV) run --frozen pytest -m "not kafka and not postgres" $(PYTEST_ARGS)

bench: install kafka postgres ## every benchmark on Kafka + PostgreSQL (<20 min; QUICK=1: a tenth), bench/results/latest.json
	@$(UV) run --frozen python bench/run.py $(if $(QUICK),--quick)

chaos: install ## 10+ min of load and 20+ faults on its own Kafka, PostgreSQL and services; nothing may be lost
	@$(UV) run --frozen arflow chaos $(CHAOS_ARGS)

chaos-short: install ## the ~3-minute chaos run that make test also runs
	@$(UV) run --frozen arflow chaos --short $(CHAOS_ARGS)

up: install kafka postgres ## the distributed topology: Kafka, PostgreSQL, one process per service
	@deploy/platform.sh up

down: ## stop what `make up` started
	@deploy/platform.sh down
	@deploy/kafka.sh stop
	@deploy/postgres.sh stop

status: ## what is running
	@deploy/platform.sh status; deploy/kafka.sh status && echo "kafka: running" || echo "kafka: stopped"; \
	deploy/postgres.sh status && echo "postgres: running" || echo "postgres: stopped"

contracts: install ## regenerate event schemas, docs/asyncapi.yaml and docs/events.md
	@$(UV) run --frozen python -m arflow_contracts.export

lint: install ## ruff
	@$(UV) run --frozen ruff check .

clean: ## delete local data (SQLite files, Kafka and PostgreSQL data under var/)
	@deploy/platform.sh down >/dev/null 2>&1 || true
	@deploy/kafka.sh reset >/dev/null 2>&1 || true
	@deploy/postgres.sh reset >/dev/null 2>&1 || true
	rm -rf $(ARFLOW_VAR)
