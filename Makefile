# Momento — `make run` serves the app, `make test` runs the tests, `make lint` checks style and types,
# `make bench` prints benchmarks.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Without sign-in Momento serves this computer only: another HOST needs [auth] in .streamlit/secrets.toml
# (README "Sign-in") or MOMENTO_ALLOW_ANONYMOUS=1, else ui.serve refuses to start (exit code 2).
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test lint bench bench-tiny bench-scale sample clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The pinned requirements, then this project itself (editable; its dependencies are the pins above).
$(VENV)/.deps-run: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.deps-test: requirements.txt requirements-spark.txt requirements-test.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-test.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

run: $(VENV)/.deps-run
	$(BIN)/python -m ui.serve --server.address $(HOST) --server.port $(PORT)

test: $(VENV)/.deps-test
	$(BIN)/python -m pytest

# ruff (style, imports, likely bugs) on everything, then mypy on the engine (settings in pyproject.toml).
lint: $(VENV)/.deps-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

bench: $(VENV)/.deps-test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.firststart
	$(BIN)/python -m bench.peer

# Every benchmark once on small inputs (about a minute; the first run also fits the sample once): CI runs it.
bench-tiny: $(VENV)/.deps-test
	$(BIN)/python -m bench --tiny
	$(BIN)/python -m bench.peer --tiny
	$(BIN)/python -m bench.scale --customers 3000 --reruns 1

# Import, fit, peak memory and page reruns at 355 k, 1.2 M, 6 M and 10 M contacts (bench/scale.py; about 45 minutes
# and 3 GB of generated files in bench/out/).
bench-scale: $(VENV)/.deps-test
	$(BIN)/python -m bench.scale

sample: $(VENV)/.deps-run
	$(BIN)/python -m cxdata sample

clean:
	rm -rf $(VENV) .momento .pytest_cache .ruff_cache .mypy_cache
