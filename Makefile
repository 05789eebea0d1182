# One command each: `make run` serves the app, `make test` runs every test (browser included),
# `make check` adds lint and types, `make bench` runs the benchmarks.
# Installs are guarded by stamp files so repeated calls do not reinstall.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints-cpu.txt
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
NODE_STAMP := node_modules/.stamp
VENDOR := src/latent_explorer/web/static/vendor
D3 := $(VENDOR)/d3.min.js
# The notebook widget's front end: the page's modules bundled by esbuild (git-ignored, like d3).
JS := src/latent_explorer/web/static/js
WIDGET := src/latent_explorer/web/static/widget/widget.js
WIDGET_SOURCES := tools/build_widget.mjs $(wildcard $(JS)/*.js $(JS)/widget/*.js) \
  src/latent_explorer/web/static/css/plots.css src/latent_explorer/web/static/css/widget.css
CHROMIUM ?= /usr/bin/chromium

# Tests and CI read the real dataset files from ../shared/datasets when it is there.
SHARED_DATA := $(abspath ../shared/datasets)
ifeq ($(origin LATENT_EXPLORER_DATA), undefined)
  ifneq ($(wildcard $(SHARED_DATA)),)
    export LATENT_EXPLORER_DATA := $(SHARED_DATA)
  endif
endif
# One torch thread: two collapse when another CPU-bound process shares the 2 cores.
export LATENT_EXPLORER_THREADS ?= 1

HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test check lint types lint-js test-js bench system-deps clean widget

run: $(STAMP_RUN) $(D3) $(WIDGET)
	$(BIN)/latent-explorer serve --host $(HOST) --port $(PORT)

# Everything CI checks, fastest first: ruff, mypy, Biome, the front end's node tests, then
# pytest (browser and wheel tests included). `make check` is the same command.
test: lint types lint-js test-js $(STAMP_DEV) $(D3) $(WIDGET) system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: test

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

# The front end: Biome's lint of static/js (biome.jsonc), and node's own test runner on the
# pure modules (tests/js/*.test.mjs), both from the lockfile's node_modules.
lint-js: $(NODE_STAMP)
	node_modules/.bin/biome lint

test-js: $(NODE_STAMP)
	node --test tests/js/

types: $(STAMP_DEV)
	$(BIN)/mypy src

bench: $(STAMP_DEV) $(D3) $(WIDGET) system-deps
	$(BIN)/python benchmarks/run_all.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(STAMP_DEV): pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	touch $@ $(STAMP_RUN)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# d3 comes from npm and is copied next to our own static files (git-ignored), so the page
# works offline and no third-party code is committed.
$(D3): $(NODE_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/d3/dist/d3.min.js $(D3)

# The widget's module and stylesheet (`Explorer.show()`, src/latent_explorer/widget.py):
# anywidget loads one module, so tools/build_widget.mjs bundles the page's modules with d3.
widget: $(WIDGET)

$(WIDGET): $(NODE_STAMP) $(WIDGET_SOURCES)
	node tools/build_widget.mjs

# System packages the tests need: Chromium for the browser tests, Debian's Fashion-MNIST
# (70,000 images in /usr/share/datasets/fashion-mnist/) for the scale tests, and redis-server
# and PostgreSQL for the team backend's tests (they start their own servers on free loopback
# ports; moto_server, the S3 server, comes with the dev extra). Installed with apt when root.
FASHION := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
system-deps:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	[ -f $(FASHION) ] || missing="$$missing dataset-fashion-mnist"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "The tests need:$$missing. Install with: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) node_modules $(VENDOR) $(dir $(WIDGET)) .pytest_cache .mypy_cache .ruff_cache
