# One entry point. `make handouts` builds the full set into output/; `make test` runs every test;
# `make check-fast` runs the everyday tier (no pool builds, wheel, browser or load) in under a minute.
# Both install what they need first: Debian packages through apt-get, Python packages in .venv.

PYTHON ?= python3
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig poppler-utils
# The front-desk page is tested in a real browser: Debian's Chromium, driven by Playwright, with
# axe-core (from npm, pinned in tests/browser/package-lock.json) checking its accessibility.
TEST_PACKAGES := chromium nodejs
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: handouts test lint check-fast bench system test-system apt clean

handouts: $(VENV)/.installed
	$(VENV)/bin/handouts build --all

test: $(VENV)/.installed test-system lint
	$(VENV)/bin/python -m pytest -n auto

lint: $(VENV)/.installed  # static checks: ruff (lint and format) and mypy on the package
	$(VENV)/bin/ruff check handouts tests benchmarks
	$(VENV)/bin/ruff format --check handouts tests
	$(VENV)/bin/mypy handouts

check-fast: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -m "not slow" -n auto -q

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/run.py

system:
	@$(MAKE) --no-print-directory apt PACKAGES="$(DEBIAN_PACKAGES)"

test-system:
	@$(MAKE) --no-print-directory apt PACKAGES="$(TEST_PACKAGES)"
	@$(MAKE) --no-print-directory $(AXE)

$(AXE): tests/browser/package.json tests/browser/package-lock.json  # npm comes with NodeSource's nodejs, not Debian's
	@command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory apt PACKAGES=npm
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

apt:  # installs PACKAGES unless each is fully installed (a removed package can leave its config behind)
	@if command -v apt-get >/dev/null 2>&1; then \
	  if ! ( for package in $(PACKAGES); do \
	           dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || exit 1; \
	         done ); then \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(PACKAGES); \
	  fi; \
	else \
	  echo "No apt-get here: install $(PACKAGES) yourself."; \
	fi

$(VENV)/.installed: pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) output build dist
