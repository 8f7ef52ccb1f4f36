# Two commands on a fresh machine with Python 3.11+ and pip: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOK ?= notebooks/dashboard.ipynb

.DEFAULT_GOAL := help
.PHONY: help venv lab test test-fast bench lint lock clean report dashboard screenshots wheel typecheck

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@# The distribution was called `explorer` before it became llm-cost-explorer: drop a stale copy first
	@# (after, it would take the `explorer` script both install with it).
	@$(BIN)/python -m pip uninstall --quiet --disable-pip-version-check --yes explorer 2>/dev/null || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## create or update the virtual environment from the pinned requirements

lab: venv ## open JupyterLab (localhost, token auth) on the main notebook
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK)

dashboard: venv ## serve the dashboard as a web app (Voila on localhost:8866 or the next free port, token login)
	$(BIN)/explorer dashboard

test: venv wheel ## ruff, mypy, then every test (unit, property, notebooks, browser, the wheel) on two workers, network cut
	@# The wheel goes into a fresh environment outside the clone while the package index is reachable (in the
	@# background, beside ruff and mypy); tests/test_wheel.py then runs it from an empty folder with the network cut.
	@# pytest-xdist runs the tests on up to 4 workers (2 on a 2-core machine), a file's tests on one worker, in order.
	set -e; tmp=$$(mktemp -d); whl=$$(ls $(CURDIR)/build/wheel/llm_cost_explorer-*.whl); \
	( $(PYTHON) -m venv "$$tmp/venv" && \
	  "$$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check -c requirements.lock "$$whl" \
	) > "$$tmp/wheel-install.log" 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null || true; rm -rf "$$tmp"' EXIT; \
	$(BIN)/ruff check explorer tests benchmarks scripts; \
	$(BIN)/mypy; \
	wait $$pid || { echo "installing the wheel failed:"; grep -v '^WARNING: Location' "$$tmp/wheel-install.log"; exit 1; }; \
	EXPLORER_WHEEL="$$whl" EXPLORER_WHEEL_VENV="$$tmp/venv" EXPLORER_HOME="$$(mkdir "$$tmp/home" && echo "$$tmp/home")" \
	  .ci/offline $(BIN)/python -m pytest -n auto --maxprocesses=4 --dist loadfile

typecheck: venv ## mypy (strict on the core modules; see [tool.mypy] in pyproject.toml)
	$(BIN)/mypy

wheel: venv ## build the wheel (bundled data, notebooks and templates inside) into build/wheel/
	rm -rf build/wheel build/lib build/bdist.*
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w build/wheel .

test-fast: venv ## the tests without notebooks and browsers
	.ci/offline $(BIN)/python -m pytest -m "not browser" tests

bench: venv ## benchmarks: speed figures against the named baselines
	$(BIN)/python benchmarks/run.py

report: venv ## the kernel-free explorer as one offline HTML file: build/report.html (support-chatbot scenario)
	@mkdir -p build
	$(BIN)/explorer report --scenario data/scenarios/support-chatbot.yaml --title "Support chatbot: what it costs" --out build/report.html

screenshots: venv ## take the README's screenshots in Chromium (build/screenshots), then copy them to docs/
	EXPLORER_HOME=$$(mktemp -d) .ci/offline $(BIN)/python -m pytest tests/test_e2e.py -k "voila or jupyterlab"
	cp build/screenshots/dashboard_voila.png build/screenshots/dashboard_lab.png docs/

lint: venv ## ruff
	$(BIN)/ruff check explorer tests benchmarks

lock: venv ## re-pin requirements.lock from the current environment
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -E '^(explorer|llm-cost-explorer)==' > requirements.lock

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
