# One task runner: `make test` is what CI runs (via .ci/run); `make` alone lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test test-all check lint types pytest bench mutate completions help-pages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

# PYTHONWARNINGS: setuptools boxes every editable install with a note for its own developers.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore::UserWarning:setuptools.command.editable_wheel \
		$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q baseten_logs  # start-up: an editable install compiles nothing
	@touch $@

install: $(STAMP) ## create .venv and install the package with its dev tools

demo: $(STAMP) ## run baseten-logs against its built-in Baseten API emulator (no account needed)
	$(BIN)/baseten-logs demo

lint: $(STAMP) ## ruff
	$(BIN)/ruff check baseten_logs tests benchmarks scripts
	$(BIN)/ruff format --check baseten_logs tests benchmarks scripts

types: $(STAMP) ## mypy: --strict on the package, every body of tests/ checked too
	$(BIN)/mypy

pytest: $(STAMP) ## the test suite alone
	$(BIN)/pytest -q

check: lint types ## ruff and mypy

test: lint types pytest ## everything CI runs: ruff, mypy and the whole test suite

# One venv per Python (.venv-3.10/ ...): pyproject's classifiers say which; one not installed is
# named as skipped. `make test-all PYTEST='-x tests/test_cli.py'` passes arguments to each pytest.
PYTEST ?=
test-all: lint types ## ruff, mypy, and the suite on each claimed Python that is installed
	$(PYTHON) scripts/test_pythons.py -- $(PYTEST)

bench: $(STAMP) ## benchmarks against the emulator; prints figures and ratios
	$(BIN)/python benchmarks/run.py

# Mutation testing (slow: not part of `make test`). Incremental: mutmut keeps each verdict in
# mutants/ until the mutated function changes, so a plain `make mutate` tests the mutants without
# one (all of them the first time; then new modules and changed functions), then tests the
# survivors again (a test added since may kill them). FRESH=1 starts from scratch. MUTATE names
# some mutants to (re)test alone, e.g. `make mutate MUTATE='baseten_logs.reading.pager.*'` while
# adding tests for one module. Two workers: the machine is shared (run it niced, in the
# background). pyproject's [tool.mutmut] has mypy reject mutants before any test and bounds hangs;
# scripts/mutate_prepare.py gives the accepted survivors their verdict first (never tested again).
MUTATE ?=
MUTATE_JOBS ?= 2
FRESH ?=
MUTMUT := $(BIN)/mutmut run --max-children $(MUTATE_JOBS)
mutate: $(STAMP) ## mutation testing of the core with mutmut (slow); scores per module and layer
	@if [ -n "$(FRESH)" ]; then rm -rf mutants; fi
	set -f; if [ -n "$(MUTATE)" ]; then $(MUTMUT) $(MUTATE); else \
		$(BIN)/python scripts/mutate_prepare.py $(MUTATE_JOBS) && \
		again=$$($(BIN)/python scripts/mutation_score.py --survivors); \
		$(MUTMUT) && if [ -n "$$again" ]; then $(MUTMUT) $$again; fi; fi
	$(BIN)/python scripts/mutation_score.py

completions: $(STAMP) ## regenerate completions/ for bash, zsh, fish and PowerShell
	$(BIN)/python -m baseten_logs.completion.completion_scripts completions

help-pages: $(STAMP) ## regenerate the help pages printed without typer (after editing the CLI)
	$(BIN)/python scripts/help_pages.py

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .venv-3.* .mypy_cache .ruff_cache .pytest_cache *.egg-info mutants
