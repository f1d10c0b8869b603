# Two commands for a fresh machine: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: help run test lint bench bench-load db-upgrade drift-check clean translations translations-extract

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Catalogues: the .po files are committed, the .mo files pybabel compiles from them are not.
PO_FILES := $(wildcard translations/*/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
# babel config -> catalogue folder: templates/ and app/ have one catalogue each (same domain).
CATALOGUES := templates python

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO_FILES) ## compile the committed .po catalogues to .mo

translations-extract: $(BIN)/.installed ## re-extract the strings and update each .pot/.po (then translate the new entries)
	@for part in $(CATALOGUES); do \
	  test -f babel-$$part.cfg || continue; \
	  dir=translations/$$part; mkdir -p $$dir; \
	  $(BIN)/pybabel extract --no-location --sort-output --no-wrap --project dx-suishin \
	    -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
	    --ignore-dirs '.* ._ node_modules instance test-artifacts build' \
	    -F babel-$$part.cfg -o $$dir/messages.pot . || exit 1; \
	  if test -f $$dir/en/LC_MESSAGES/messages.po; then \
	    $(BIN)/pybabel update --no-wrap --ignore-obsolete -i $$dir/messages.pot -d $$dir -l en || exit 1; \
	  else \
	    $(BIN)/pybabel init -i $$dir/messages.pot -d $$dir -l en --no-wrap || exit 1; \
	  fi; \
	done

run: $(BIN)/.installed translations ## migrate, seed demo data on an empty database, serve on http://127.0.0.1:$(PORT)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# axe-core, the accessibility checker the browser tests inject into Chromium (package-lock.json pins it).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test: $(BIN)/.installed node_modules/.installed translations ## the whole suite (DATABASE_URL selects the database; browser tests need Chromium)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed ## ruff (lint and formatting)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed ## benchmarks: ratios against a baseline taken in the same run
	$(BIN)/python -m bench.run

bench-load: $(BIN)/.installed ## load test under gunicorn + wrk (apt-get install -y wrk), see bench/README.md
	$(BIN)/python -m bench.load

clean: ## remove the virtual environment and the development database
	rm -rf $(VENV) node_modules instance/*.sqlite3
