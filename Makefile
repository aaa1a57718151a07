# Goalmap: `make run` serves the app, `make test` runs every test. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run demo test test-fast lint format audit bench browser checkers lighthouse clean

$(BIN)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev: requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, migrate the database (SQLite under instance/ by default) and serve on :5000
run: $(BIN)/.runtime
	$(FLASK) db upgrade
	$(FLASK) run --host $(HOST) --port $(PORT)

## demo: like run, with a demo partnership (alex@example.com / sam@example.com, password goalmap-demo)
demo: $(BIN)/.runtime
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## test: install the dev tools, Chromium and the checkers (when possible), then run every test
# (loadgroup: each checker's cases stay on one worker, which runs the checker once for all)
test: $(BIN)/.dev browser checkers
	$(BIN)/pytest -n auto --dist loadgroup

## test-fast: every test except the browser ones
test-fast: $(BIN)/.dev checkers
	$(BIN)/pytest -n auto --dist loadgroup -m "not browser"

## lint: ruff's linter and formatter check
lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: seed a large partnership, load it under gunicorn with wrk, check the budgets
bench: $(BIN)/.dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; }
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py

## audit: pip-audit on the pinned requirements and bandit on the package
audit: $(BIN)/.dev
	$(BIN)/python scripts/audit

format: $(BIN)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## lighthouse: Lighthouse (mobile) over every page of the demo; slow, so not part of test
lighthouse: $(BIN)/.dev browser tools/lighthouse/node_modules/.installed
	$(BIN)/python scripts/lighthouse

tools/lighthouse/node_modules/.installed: tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund
	touch $@

## browser: make sure Debian's Chromium is there for the browser tests
browser:
	@sh scripts/ensure-chromium

## checkers: the Nu HTML checker (vnu.jar from npm's vnu-jar, run by Debian's Java)
checkers: node_modules/.installed
	@sh scripts/ensure-java

# Only when package-lock.json changes; no install scripts (vnu-jar's would fetch a Java).
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ -n "$$GOALMAP_REQUIRE_CHECKERS" ]; then \
		echo "FATAL: npm is missing and GOALMAP_REQUIRE_CHECKERS is set." >&2; exit 1; \
	else \
		echo "NOTE: npm is missing, so the HTML checker's test will be skipped." >&2; \
	fi

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .ruff_cache node_modules
