# The two commands of the README:
#   make run   – the whole product at http://127.0.0.1:8000/ (embedded: SQLite, in-memory
#                channel layer, in-process tasks and beat, the WhatsApp sandbox);
#                `make run PORT=9000` moves it, sandbox included
#   make test  – the test suite (embedded default; .ci/run adds PostgreSQL + Redis)
#   make run-scaled – the scaled mode: 2 web processes, a Celery worker and one beat on
#                PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults: this machine's),
#                kept running by supervisord (deploy/run-scaled, docs/operations.md)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Where the product is reachable: the sandbox posts its status webhooks there and the
# sandbox Graph API lives under it (settings derive WHATSAPP_GRAPH_BASE_URL from it).
# Set it yourself when the service sits behind a proxy or HOST is 0.0.0.0.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run run-scaled drill test lint format migrations-check messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/python manage.py seed_demo
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/python -m waproject.serve waproject.asgi:application --host $(HOST) --port $(PORT) --lifespan on

run-scaled: $(VENV)/.runtime
	PYTHON=$(BIN)/python HOST=$(HOST) PORT=$(PORT) deploy/run-scaled

test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The faults drill (docs/operations.md): the scaled mode on a PostgreSQL and a Redis of its
# own, killed and restarted under traffic; about a minute and a half.
drill: $(VENV)/.dev
	RUN_DRILL=1 $(BIN)/python -m pytest tests/ops/test_faults_drill.py -s $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# U4: the translation catalogues (needs GNU gettext: apt install gettext). For every app with a
# locale/ folder (and the project's own locale/: templates/ and waproject/) and every language of settings.LANGUAGES but English: makemessages for the
# templates and Python (django.po) and the JavaScript (djangojs.po), then compilemessages.
# Translate what is new in the .po files, run it again, commit the .po and .mo files
# (docs/architecture.md "Languages (U4)"; tests/test_translations.py checks them).
messages: $(VENV)/.dev
	@locales=$$(DJANGO_SETTINGS_MODULE=waproject.settings $(BIN)/python -c 'import django; django.setup(); from django.conf import settings; from django.utils.translation import to_locale; print(" ".join("-l " + to_locale(code) for code, _ in settings.LANGUAGES if code != "en"))'); \
	for app in $$(ls -d */locale | cut -d/ -f1); do \
	  echo "== $$app"; \
	  (cd $$app && export DJANGO_SETTINGS_MODULE=waproject.settings PYTHONPATH=$(CURDIR) && \
	   $(abspath $(BIN))/django-admin makemessages $$locales --no-obsolete && \
	   $(abspath $(BIN))/django-admin makemessages -d djangojs $$locales --no-obsolete && \
	   $(abspath $(BIN))/django-admin compilemessages) || exit 1; \
	done; \
	if [ -d locale ]; then \
	  echo "== locale/ (LOCALE_PATHS: templates/ and waproject/)"; \
	  ignores=$$(for d in */; do d=$${d%/}; case $$d in templates|waproject) ;; *) printf -- '--ignore=%s ' "$$d";; esac; done); \
	  (export DJANGO_SETTINGS_MODULE=waproject.settings PYTHONPATH=$(CURDIR) && \
	   $(BIN)/django-admin makemessages $$locales $$ignores --no-obsolete && \
	   $(BIN)/django-admin makemessages -d djangojs $$locales $$ignores --no-obsolete && \
	   $(BIN)/python manage.py compilemessages --ignore='*/*') || exit 1; \
	fi

migrations-check: $(VENV)/.dev
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: $(VENV)/.dev
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var staticfiles
