# Two commands for a fresh machine: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: help run test lint bench bench-load db-upgrade drift-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed ## migrate, seed demo data on an empty database, serve on http://127.0.0.1:$(PORT)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# axe-core, the accessibility checker the browser tests inject into Chromium (package-lock.json pins it).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test: $(BIN)/.installed node_modules/.installed ## the whole suite (DATABASE_URL selects the database; browser tests need Chromium)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed ## ruff
	$(BIN)/ruff check .

bench: $(BIN)/.installed ## benchmarks: ratios against a baseline taken in the same run
	$(BIN)/python -m bench.run

bench-load: $(BIN)/.installed ## load test under gunicorn + wrk (apt-get install -y wrk), see bench/README.md
	$(BIN)/python -m bench.load

clean: ## remove the virtual environment and the development database
	rm -rf $(VENV) node_modules instance/*.sqlite3
