# Momento — `make run` serves the app, `make test` runs the tests, `make bench` prints benchmarks.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test bench bench-tiny sample clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.deps-run: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.deps-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@

run: $(VENV)/.deps-run
	$(BIN)/python -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: $(VENV)/.deps-test
	$(BIN)/python -m pytest

bench: $(VENV)/.deps-test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.load

# Every benchmark once on small inputs (about a minute; the first run also fits the sample once): CI runs it.
bench-tiny: $(VENV)/.deps-test
	$(BIN)/python -m bench --tiny

sample: $(VENV)/.deps-run
	$(BIN)/python -m cxdata sample

clean:
	rm -rf $(VENV) .momento .pytest_cache
