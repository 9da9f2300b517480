# careerblog: `make build` builds the demo site into _site/; `make test` sets up everything and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
BENCH_ARGS ?=
AUDIT_ARGS ?=

.PHONY: build test lint unit browser serve bench audit clean tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src/careerblog
	$(BIN)/python -c 'from careerblog.templating import precompile_theme; precompile_theme()'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/careerblog build

tools:
	bash tools/ensure-browser.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

test: $(STAMP) tools lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lighthouse on every page kind of the demo (about 10 min; not part of `make test`).
# Quick look: make audit AUDIT_ARGS="--runs 1 --pages home"
audit: $(STAMP) tools
	$(BIN)/python tools/audit.py $(AUDIT_ARGS)

serve: $(STAMP)
	$(BIN)/careerblog serve

# careerblog vs Hugo and Pelican on bench/gen_site.py's posts; quick: make bench BENCH_ARGS="--sizes 100,1000 --runs 3"
bench: $(STAMP)
	bash bench/install-peers.sh
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf _site .careerblog-cache test-output audit-output build dist
