# One command per chore. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run serve test test-e2e lint format check demo bench messages clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, migrate, load the demo content (skipped with DEMO_CONTENT=false), start server + worker on :8000
run: $(INSTALLED)
	$(PY) -m liberation.run

## serve: the production topology: Varnish on :8080 (PORT) in front of two app nodes (one on SQLite), purge worker (docs/deployment.md)
serve: $(INSTALLED)
	$(PY) -m liberation.serve

## test: the whole suite on SQLite (browser tests run when Chromium is installed)
test: $(INSTALLED)
	$(PY) -m pytest

## lint: ruff, Django checks, migrations and translation catalogues up to date
lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=liberation.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=liberation.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m liberation.core.i18n_check

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## demo: (re)load the demo content into the database of `make run`
demo: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=liberation.settings.dev $(PY) manage.py load_demo

## messages: update and compile the French and English catalogues
messages: $(INSTALLED)
	cd liberation && ../$(PY) ../manage.py makemessages -l fr -l en --no-location --no-obsolete
	cd liberation && ../$(PY) ../manage.py compilemessages

## bench: page benchmark against the server of `make run` (see docs/benchmarks.md)
bench: $(INSTALLED)
	$(PY) bench/pages.py

clean:
	rm -rf $(VENV) var staticfiles media .pytest_cache
