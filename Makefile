# dexsim: two commands do all of the set-up on a fresh machine.
#   make demo   venv + packages + Kafka jars, start the broker and services, run the demo
#   make test   the same set-up, then lint, type checks and the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-slow lint typecheck unit integration format up down status clean load load-ui bench

setup: $(STAMP)

# Re-install only when the dependency list or the lock changes.
$(STAMP): pyproject.toml constraints.txt services/dashboard/web/package-lock.json
	@command -v java >/dev/null || { echo "error: Java 17 is needed for the local Kafka broker (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "error: Maven is needed to fetch Kafka from Maven Central (apt-get install maven)"; exit 1; }
	@missing=""; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing (promtool, the browser tests and their CJK fonts)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
		|| { echo "error: could not install$$missing; run as root or: apt-get install$$missing"; exit 1; }; \
	fi
	@command -v npm >/dev/null || { echo "error: npm is needed for the dashboard's front-end packages (apt-get install npm)"; exit 1; }
	cd services/dashboard/web && npm ci --no-audit --no-fund --loglevel=error
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[test,load,bench]'
	@touch $@

demo: setup
	$(BIN)/dexsim demo

up: setup
	$(BIN)/dexsim up

# Headless Locust run against the running system (started if needed): HTML report, CSV stats and
# the SLO verdict under reports/load/; exits non-zero when an objective is broken.
load: setup
	$(BIN)/python -m loadtests.run --shape storm --users 30 --seconds 60

# Locust's web UI on 127.0.0.1 for interactive load tests.
load-ui: setup
	$(BIN)/python -m loadtests.run --ui

# Throughput and latency of every service against the raw Kafka client (not a test).
bench: setup
	$(BIN)/dexsim bench

down:
	$(BIN)/dexsim down

status:
	$(BIN)/dexsim status

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy shared services dexsim

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# pytest exits 5 when it collected no test: that is a failure here, like any non-zero code.
# The suite's budget is 45 minutes on a 2-core machine from a clean clone; heavier tiers are
# marked `slow` and run by `make test-slow`.
# A scaffolded sector keeps its own tests in services/<sector>/tests/: both trees are collected.
test: lint typecheck
	$(BIN)/python -m pytest -p no:cacheprovider -q -m "not slow" --durations=15 tests services

# The heavier tiers: every scenario fused and with fusion off through `dexsim run`.
test-slow: setup
	$(BIN)/python -m pytest -p no:cacheprovider -q -m slow --durations=0 tests services

unit: setup
	$(BIN)/python -m pytest -q tests/unit tests/streams

clean: down
	rm -rf $(VENV) .dexsim reports .mypy_cache .ruff_cache .pytest_cache services/dashboard/web/node_modules
