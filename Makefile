# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export CRM_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test install services bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## run: set up, initialise instance/ (SQLite, demo data), serve on http://127.0.0.1:5000
run: install
	$(VENV)/bin/crm demo
	$(VENV)/bin/crm serve --host 127.0.0.1 --port 5000

## test: set up, make sure PostgreSQL, Redis and chromium are there, run the whole suite
test: install services
	$(PY) -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

services:
	@bash .ci/ensure-services

clean:
	rm -rf $(VENV) test-output .pytest_cache
