# Two commands on a fresh machine with Python 3.11+ and pip: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOK ?= notebooks/dashboard.ipynb

.DEFAULT_GOAL := help
.PHONY: help venv lab test test-fast bench lint lock clean report dashboard screenshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## create or update the virtual environment from the pinned requirements

lab: venv ## open JupyterLab (localhost, token auth) on the main notebook
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK)

dashboard: venv ## serve the dashboard as a web app (Voila on localhost:8866 or the next free port, token login)
	$(BIN)/explorer dashboard

test: venv ## ruff, then every test (unit, property, notebooks, browser), with the network cut
	$(BIN)/ruff check explorer tests benchmarks scripts
	EXPLORER_HOME=$$(mktemp -d) .ci/offline $(BIN)/python -m pytest

test-fast: venv ## the tests without notebooks and browsers
	.ci/offline $(BIN)/python -m pytest -m "not browser" -p no:nbval tests

bench: venv ## benchmarks: speed figures against the named baselines
	$(BIN)/python benchmarks/run.py

report: venv ## the kernel-free explorer as one offline HTML file: build/report.html (support-chatbot scenario)
	@mkdir -p build
	$(BIN)/explorer report --scenario data/scenarios/support-chatbot.yaml --title "Support chatbot: what it costs" --out build/report.html

screenshots: venv ## take the README's screenshots in Chromium (build/screenshots), then copy them to docs/
	EXPLORER_HOME=$$(mktemp -d) .ci/offline $(BIN)/python -m pytest -p no:nbval tests/test_e2e.py -k "voila or jupyterlab"
	cp build/screenshots/dashboard_voila.png build/screenshots/dashboard_lab.png docs/

lint: venv ## ruff
	$(BIN)/ruff check explorer tests benchmarks

lock: venv ## re-pin requirements.lock from the current environment
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^explorer' > requirements.lock

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
