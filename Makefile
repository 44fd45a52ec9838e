# Two commands do all the set-up on a fresh machine (Python 3.11+, pip, make):
#   make run    -> creates .venv, installs isthmus, runs the default scenario
#   make test   -> creates .venv, installs isthmus with test tools, runs the tests
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
OUT ?= out/central-america

.PHONY: run test lint bench clean

$(BIN)/isthmus: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/isthmus

run: $(BIN)/isthmus
	$(BIN)/isthmus run central-america --out $(OUT)

test: $(BIN)/isthmus
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(BIN)/isthmus
	$(BIN)/ruff check src tests bench scripts

bench: $(BIN)/isthmus
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
