# lakeforge developer entry points. `make test` and `make demo` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lakeforge-installed
PYTEST_ARGS ?=

.PHONY: install test lint typecheck imports unit demo bench clean

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv>=0.5"
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -c requirements/lock.txt -e ".[dev,postgres,ml,serve]"
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(VENV)/bin/mypy

imports: $(STAMP)
	$(VENV)/bin/lint-imports

unit: $(STAMP)
	$(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: lint typecheck imports unit

demo: $(STAMP)
	$(PY) examples/platform_health/demo.py .lakeforge-demo

bench: $(STAMP)
	$(PY) bench/cli_startup.py

lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra postgres --extra ml --extra serve --python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .lakeforge-demo
