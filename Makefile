# Cluster Observatory: the only entry points. `make run` serves the portal on real data,
# `make test` runs every check. Both install what they need into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
UV_VERSION ?= 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
# uv compiles no bytecode by default; without it every run pays the import cost again
export UV_COMPILE_BYTECODE := 1
# the development mirror of the source files (never copied into the repository)
ifneq ($(wildcard ../shared/data/PROVENANCE.md),)
export CLUSTEROBS_MIRROR ?= $(abspath ../shared/data)
endif

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip install -q -p $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	touch $@

.PHONY: install run setup test test-pg lint typecheck bench lock e2e clean
install: $(VENV)/.installed

setup: $(VENV)/.installed
	$(BIN)/clusterobs setup

run: setup
	$(BIN)/clusterobs serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed lint
	bash scripts/pytest.sh
	@if [ -n "$$CLUSTEROBS_TEST_PG" ]; then $(MAKE) --no-print-directory test-pg; fi

# the database-backed tests (portal, accounts, community, production) again on PostgreSQL;
# CLUSTEROBS_TEST_PG names a server whose role may create the test database
test-pg: $(VENV)/.installed
	DATABASE_URL="$$CLUSTEROBS_TEST_PG" bash scripts/pytest.sh tests/portal tests/production -m "not browser"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(VENV)/.installed
	$(BIN)/python -m bench

lock: $(VENV)/.installed
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	chmod -R u+w var/editions 2>/dev/null || true
	rm -rf var/store var/cache var/editions
