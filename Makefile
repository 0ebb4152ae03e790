# sfqb-diag: the commands a newcomer needs. Everything installs into .venv from the project's own files.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install-stamp
EXTRAS ?= dev

.PHONY: demo test test-fast contracts lab lint typecheck fmt bench clean install lock

# Create .venv and install the package with the pinned versions of constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

# Generate the demo client, run the full report on it, print where to look.
demo: $(STAMP)
	$(BIN)/sfqb-diag demo --out out/demo

# Lint, type-check and run the whole test suite (notebooks executed with papermill included).
test: $(STAMP) lint typecheck contracts
	$(BIN)/python -m pytest -q

# The fast suite: everything but the tests that generate a demo or run notebooks (marked slow).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n auto

# The architecture as import contracts (pyproject.toml [tool.importlinter]).
contracts: $(STAMP)
	$(BIN)/lint-imports

lint: $(STAMP)
	$(BIN)/ruff check sfqb_diag sfqb_demo tests benchmarks notebooks
	$(BIN)/ruff format --check sfqb_diag sfqb_demo tests benchmarks notebooks

typecheck: $(STAMP)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format sfqb_diag sfqb_demo tests benchmarks notebooks
	$(BIN)/ruff check --fix sfqb_diag sfqb_demo tests benchmarks notebooks

# JupyterLab on the notebooks, with the demo as their default input.
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,lab]"
	test -f out/demo/summary.json || $(MAKE) demo
	cd notebooks && ../$(BIN)/jupyter lab

# Speed and memory figures, printed (run on demand, not in CI).
bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Re-pin constraints.txt from a fresh install of every extra (after changing pyproject.toml).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e ".[dev,lab]"
	(echo "# Pinned versions for reproducible installs; regenerate with 'make lock'."; \
	 .lock-venv/bin/pip freeze --exclude-editable | grep -vi '^sfqb') > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
