# lambdapress: every entry point an author, operator or CI needs.
SHELL := /bin/bash
# The Lambda runtime's version: the venv, the bundle's wheels and the template's runtime
# (Chalice takes it from the Python that runs `chalice package`) all follow it.
PYTHON_VERSION := 3.13
PYTHON ?= python$(PYTHON_VERSION)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAGE ?= dev
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
IS_PYTHON_VERSION := import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(PYTHON_VERSION)")

.DEFAULT_GOAL := help
.PHONY: fuzz help venv venv-run wheelhouse package deployer deploy run test test-fast check lint typecheck bench cli chromium axe clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' -e 's/\$$(PORT)/$(PORT)/g' \
		| column -t -s $$'\t'

# Two stamps, so that `make run` installs only what it needs and `make test` adds the rest.
# A venv of another Python (say, from before the move to 3.13) is replaced.
$(VENV)/.run-installed: requirements.txt requirements-run.txt
	@$(PYTHON) -c '$(IS_PYTHON_VERSION)' 2>/dev/null \
		|| { echo "error: $(PYTHON) does not run Python $(PYTHON_VERSION), which the project needs (as on Lambda)."; \
		     echo "       With pyenv: pyenv install $(PYTHON_VERSION); or set PYTHON=/path/to/python$(PYTHON_VERSION)."; exit 1; }
	@if [ -x $(PY) ] && ! $(PY) -c '$(IS_PYTHON_VERSION)'; then \
		echo "Replacing $(VENV) (not Python $(PYTHON_VERSION))"; rm -rf $(VENV); fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==26.2.1  # chalice 1.34 packages with pip<26.3
	$(PY) -m pip install --quiet -r requirements-run.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv-run: $(VENV)/.run-installed  ## the virtualenv for run, cli, bench, package and deploy
venv: $(VENV)/.dev-installed  ## the virtualenv with every pinned dependency, test tools included

# Wheels for the Lambda platform, fetched once with the other packages, so that
# `chalice package` (and the bundle test) build offline.
WHEELHOUSE := .wheelhouse
$(WHEELHOUSE)/.fetched-$(PYTHON_VERSION): requirements.txt | $(VENV)/.run-installed
	$(PY) -m pip download --quiet -r requirements.txt -d $(WHEELHOUSE)
	for platform in manylinux2014_x86_64 manylinux2014_aarch64; do \
		$(PY) -m pip download --quiet -r requirements.txt -d $(WHEELHOUSE) --only-binary=:all: \
			--platform $$platform --implementation cp --python-version $(PYTHON_VERSION) || exit 1; \
	done
	touch $@

wheelhouse: $(WHEELHOUSE)/.fetched-$(PYTHON_VERSION)  ## Lambda wheels for offline packaging

run: venv-run  ## serve the site on http://127.0.0.1:$(PORT), data kept in .local/ (RESET=1: empty)
	PORT=$(PORT) RESET=$(RESET) $(PY) -m tools.run_local

chromium:  ## find Debian's Chromium for browser tests, installing it when root
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi; \
	[ -x "$(CHROMIUM)" ] || { echo "error: the browser tests need Chromium at $(CHROMIUM)."; \
		echo "       Install Debian's package (sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium."; exit 1; }

# axe-core (the accessibility checker the browser tests inject), fetched once with npm.
AXE_VERSION := 4.10.2
AXE_DIR := .cache/axe-core-$(AXE_VERSION)
axe:  ## axe-core for the browser tests' accessibility checks (from the npm registry)
	@if [ -f $(AXE_DIR)/axe.min.js ]; then exit 0; fi; \
	if command -v npm >/dev/null; then \
		mkdir -p .cache && cd .cache && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
		&& mkdir -p axe-core-$(AXE_VERSION) && tar xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 -C axe-core-$(AXE_VERSION) \
		&& rm axe-core-$(AXE_VERSION).tgz; \
	else echo "error: the browser tests' accessibility checks need axe-core: install npm (Node.js)"; exit 1; fi

test: venv wheelhouse chromium axe  ## the whole test suite, browser tests included
	CHROMIUM=$(CHROMIUM) AXE_JS=$(AXE_DIR)/axe.min.js $(PY) -m pytest

test-fast: venv wheelhouse  ## unit and functional tests only (no browser)
	$(PY) -m pytest tests/unit tests/functional

lint: venv  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv  ## mypy
	$(BIN)/mypy

check: lint typecheck test  ## lint, types and the whole test suite

fuzz: venv  ## fuzz the JSON API from its OpenAPI document, longer than the suite does
	LAMBDAPRESS_FUZZ_EXAMPLES=$${EXAMPLES:-500} $(PY) -m pytest -q tests/e2e/test_api_fuzz.py

bench: venv-run  ## benchmarks: ratios measured in one run
	$(PY) -m tools.bench
	$(PY) -m tools.bench_localstack

cli: venv-run  ## the authoring and moderation CLI: make cli ARGS="publish content"
	$(PY) -m chalicelib.cli $(ARGS)

package: venv-run wheelhouse  ## build every deployable artifact offline: make package STAGE=prod
	$(PY) -m tools.infra package --stage $(STAGE)

deployer: venv-run  ## once per stage, as an administrator: the deployer's policy and CloudFormation's role
	$(PY) -m tools.deployer --stage $(STAGE)

deploy: package  ## deploy a stage to the AWS account of your credentials: make deploy STAGE=prod
	$(PY) -m tools.deploy --stage $(STAGE)

clean:  ## remove the virtualenv and build output
	rm -rf $(VENV) build .pytest_cache .ruff_cache .mypy_cache .cache
