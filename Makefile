# xgm: `make run` serves the product on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
CITYSIM_PORT ?= 5055
APT_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 poppler-utils zbar-tools chromium wrk pgbouncer
export FLASK_APP := wsgi

.PHONY: run test test-fast test-sqlite test-postgresql screenshots lint setup apt venv translations db demo bench clean

setup: apt venv translations

# System packages: CJK fonts and HarfBuzz subsetting for the posters, poppler/zbar for the poster
# tests, Chromium for the real-browser tests, wrk for the scan benchmark, pgbouncer for the
# connection-pooling test (tests/pooling).
apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BIN)/activate:
	$(PY) -m venv $(VENV)

$(VENV)/.requirements: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.requirements

translations: venv
	$(BIN)/pybabel compile -d xgm/translations -f >/dev/null

db: setup
	$(BIN)/flask db upgrade

# The demo's links (enrollment) point at the port `make run` serves, unless XGM_PUBLIC_URL says.
demo: db
	XGM_PUBLIC_URL=$${XGM_PUBLIC_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask seed-demo

# Ctrl+C reaches the devserver alone (it holds the terminal meanwhile): it stops the three
# processes and exits 0, so make ends without an error.
run: demo
	PORT=$(PORT) CITYSIM_PORT=$(CITYSIM_PORT) $(BIN)/python -m xgm.devserver

test: setup
	@bash scripts/services.sh
	@bash scripts/test-both.sh

# Everything but the slow real-process tests and the browser tests, both databases, in parallel.
test-fast: setup
	@bash scripts/services.sh
	@bash scripts/test-both.sh -m "not slow and not browser"

test-sqlite:
	XGM_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider

test-postgresql:
	XGM_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider

# Refresh the screenshots in docs/ (the browser tests write them only when asked to).
screenshots: setup
	@bash scripts/services.sh
	XGM_UPDATE_DOCS=1 XGM_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider tests/browser tests/complaints/test_browser.py tests/gateagents/test_browser.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/posters.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
