# Set-up and everyday commands. `make run` and `make test` each create .venv if missing and install kbench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-compare lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kbench run policies/default.yaml

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-autosave

bench-compare: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-compare

lint: $(STAMP)
	$(BIN)/ruff check kbench tests benchmarks
	$(BIN)/mypy kbench --ignore-missing-imports

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks
