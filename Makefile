# The README's two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench system-deps migrate demo clean backup restore

# pip is the last thing venv creates: an interrupted creation is redone, not half-used.
$(PIP):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PIP)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py install_models
	$(PY) manage.py load_demo

## make run: set up everything and serve the site on http://$(HOST):$(PORT)
run: demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py runserver $(HOST):$(PORT)

## make system-deps: Debian packages the tests use (chromium for browser tests, docker-compose
## to validate docker-compose.yml, tesseract-ocr to read the paper speed printed on ECG
## pictures); installed when missing if we are root.
SYSTEM_DEPS := chromium chromium-driver docker-compose tesseract-ocr
system-deps:
	@missing=""; for cmd in chromium chromedriver docker-compose tesseract; do command -v $$cmd >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $(SYSTEM_DEPS) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_DEPS) >/dev/null; \
	  else echo "The tests need: sudo apt-get install $(SYSTEM_DEPS)" >&2; exit 1; fi; fi

## make test: install what the tests need and run the whole suite
test: $(VENV)/.dev-installed system-deps
	SECRET_KEY="$${SECRET_KEY:-test-only-$$RANDOM$$RANDOM$$RANDOM$$RANDOM}" $(PY) -m pytest $(PYTEST_ARGS)

## make backup: the database and every stored file in one var/backups/<time>.tar.gz
backup: $(VENV)/.installed
	$(PY) manage.py backup $(BACKUP)

## make restore BACKUP=path.tar.gz: into an empty set-up (a new database; migrated here)
restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=path/to/backup.tar.gz"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore $(BACKUP)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev-installed
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts
