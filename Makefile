# Chibo — the two commands that do everything on a fresh machine:
#   make demo   virtualenv, install, migrate the SQLite default, load demo data, serve
#   make test   the whole test suite (SQLite; browser tests when chromium is present)
# `make` alone lists every target.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV ?= .venv
PY = $(VENV)/bin/python
CHIBO = $(abspath $(VENV))/bin/chibo
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
STAMP = $(VENV)/.chibo-installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/chibo
LANGS = vi en ko fa
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k tree -x"`.
PYTEST_ARGS ?=
# -rfEs: list failures, errors and skips (with their reasons) at the end of every run.
PYTEST = $(PY) -m pytest -rfEs
# Tooling commands (catalogues, migrations) use the test settings: no SECRET_KEY needed.
TOOL_ENV = DJANGO_SETTINGS_MODULE=chibo.settings.test

.PHONY: help venv migrate demo test test-pg test-browser compilemessages lint typecheck \
        messages check-migrations check-deploy clean bench

help: ## list the targets
	@echo "Chibo. Usage: make <target> [VENV=.venv]"
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 20

venv: $(STAMP) ## create the virtualenv and install Chibo with its dev tools (again only when pyproject.toml changes)

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
	  [ -n "$(PYTHON)" ] || { echo "python3.11 (or python3) is needed" >&2; exit 1; }; \
	  echo "creating $(VENV) with $(PYTHON)"; \
	  "$(PYTHON)" -m venv "$(VENV)"; \
	fi
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -q -e '.[dev]'
	@touch "$@"

migrate: venv ## apply migrations (default: the SQLite file var/chibo.sqlite3)
	@mkdir -p var
	$(CHIBO) migrate --noinput

demo: migrate ## load the administrative units and the demo data, then serve on http://127.0.0.1:8000 (with the background-job worker)
	$(CHIBO) geo load
	$(CHIBO) demo --no-serve
	$(CHIBO) db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null || true' EXIT; $(CHIBO) demo

compilemessages: venv ## compile the translation catalogues (fails on a broken catalogue)
	@if [ -d src/chibo/locale ]; then \
	  cd src/chibo && $(TOOL_ENV) $(CHIBO) compilemessages --ignore '.*' --ignore '__pycache__'; \
	else \
	  echo "compilemessages: no catalogues yet (src/chibo/locale does not exist)"; \
	fi

test: venv compilemessages ## the whole suite on SQLite (browser tests included; they skip, with a reason, without chromium)
	env -u DATABASE_URL CHIBO_EXPECT_DB=sqlite $(PYTEST) $(PYTEST_ARGS)

test-pg: venv compilemessages ## the suite on PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432/chibo), browser tests excluded
	DATABASE_URL=$(PG_URL) CHIBO_EXPECT_DB=postgresql $(PYTEST) -m "not browser" $(PYTEST_ARGS)

test-browser: venv compilemessages ## only the browser tests (Playwright driving /usr/bin/chromium)
	env -u DATABASE_URL CHIBO_EXPECT_DB=sqlite $(PYTEST) -m browser tests/browser $(PYTEST_ARGS)

lint: venv ## ruff check
	$(VENV)/bin/ruff check .

typecheck: venv ## mypy
	$(VENV)/bin/mypy

messages: venv ## extract the strings into src/chibo/locale/{vi,en,ko,fa} and compile them
	@mkdir -p src/chibo/locale
	cd src/chibo && $(TOOL_ENV) $(CHIBO) makemessages $(addprefix -l ,$(LANGS)) --no-obsolete \
	  --ignore '.*' --ignore '__pycache__' --ignore 'static/*'
	@$(MAKE) compilemessages VENV=$(VENV)

check-migrations: venv ## fail when a model change has no migration
	$(TOOL_ENV) DATABASE_URL=sqlite://:memory: $(CHIBO) makemigrations --check --dry-run

check-deploy: venv ## Django's deployment checks with the production settings
	DJANGO_SETTINGS_MODULE=chibo.settings.prod \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(45))')" \
	CHIBO_AUDIT_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	ALLOWED_HOSTS=chibo.example DATABASE_URL=sqlite:///tmp/x.sqlite3 \
	$(CHIBO) check --deploy --fail-level WARNING

bench: venv ## benchmark Chibo against its floors (BENCH_SCALE=province|nation|demo, DATABASE_URL); writes bench/results/
	$(PY) bench/run.py

clean: ## remove caches and test output (keeps the virtualenv and var/)
	rm -rf test-results .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
