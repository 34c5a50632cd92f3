# The two commands of the README: `make run` and `make test`.
# Everything they need is installed here, into a local virtual environment.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: run test install system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The admin's front-end assets (the State's design system, axe-core for the
# browser tests), pinned by package-lock.json and served by the app itself.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

run: install
	$(BIN)/aplus run

# Debian packages of the real servers the tests start (Dovecot, Postfix,
# Chromium): installed when missing, otherwise says what to install.
system-deps:
	scripts/install-system-deps.sh

test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
