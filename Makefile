# The two commands a province needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Rasa's command line with bot/patches installed (bot/__main__.py), as the server runs it.
RASA := PYTHONPATH=$(CURDIR) $(PY) -m bot
INSTALLED := $(VENV)/.installed
RASA_ARGS := --domain bot/domain --config config.yml --data data
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: install env web browser run train seed test lint validate eval bench clean

$(INSTALLED): requirements.txt requirements-dev.txt
	@python=$$(scripts/find_python310.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(INSTALLED)

# Secrets (DOSSIER_API_TOKEN, PHONE_HASH_KEY, RASA_AUTH_TOKEN, ACTION_SERVER_TOKEN) are generated
# once into the git-ignored .env.
env: install
	@$(PY) tools/stack.py --ensure-env

# The schema brought to the newest migration (procedures_db/migrations/), then the catalogue,
# support points and the demo dossiers of the README, into an empty database.
seed: env
	@set -a; . ./.env; set +a; $(PY) -m procedures_db migrate && $(PY) -m procedures_db seed && \
	  $(PY) -m procedures_db seed-dossiers

# Rasa compares the fingerprint of data, config, domain and custom components with
# the newest model in models/ and only trains when something changed.
train: install
	$(RASA) train $(RASA_ARGS) --out models --fixed-model-name assistant

# The web chat widget bundle (bot/web/vendor/, git-ignored); a no-op when up to date.
web:
	@scripts/build_web.sh

# Debian's Chromium for the browser test (a no-op when installed).
browser:
	@scripts/install_browser.sh

# Rasa, the action server and the API under supervisord, on 127.0.0.1, behind their tokens:
# a service that dies is restarted; Ctrl-C or SIGTERM stops them all (tools/stack.py).
# First, CATALOGUE_IMPORT (':'-separated files or folders of national portal pages, from the
# environment or .env) is imported when one of its files is not in the store yet (a digest
# check, about a second when nothing changed); unset, the shipped seed is the catalogue.
run: seed train web
	@set -a; . ./.env; set +a; $(PY) -m procedures_db import-portal --if-changed
	@$(PY) tools/stack.py

# Lint, format and type check (pyproject.toml): ruff over the project, mypy over the layers it lists.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

validate: install
	$(RASA) data validate $(RASA_ARGS)

test: lint seed train validate web browser
	$(RASA) test core --stories tests/stories --model models/assistant.tar.gz --out results/stories --fail-on-prediction-errors
	$(PY) -m pytest tests

NATIONAL := ../shared/data/national

# Both held-out sets: the original one (with latency), then the fresh one written
# later by someone who never saw data/ or tests/nlu_test/ (tests/nlu_test_fresh/).
eval: seed train
	@echo "== held-out test set 1: tests/nlu_test/ (original) =="
	$(PY) -m tools.evaluation.nlu_eval
	@echo "== held-out test set 2: tests/nlu_test_fresh/ (fresh, independent) =="
	$(PY) -m tools.evaluation.nlu_eval --test-dir tests/nlu_test_fresh --no-latency
	@echo "== catalogue search and linking, full national catalogue: tests/catalogue_eval/ (dev, then fresh) =="
	$(PY) -m tools.evaluation.catalogue_eval
	@echo "== blind dialogue set: tests/dialogue_eval/ (issue 16; whole conversations on a throwaway seeded stack) =="
	$(PY) -m tools.evaluation.dialogue_eval
	@if [ -d $(NATIONAL) ]; then \
	  echo "== the same, with the national catalogue ($(NATIONAL)) imported into the stack's catalogue =="; \
	  $(PY) -m tools.evaluation.dialogue_eval --national $(NATIONAL) --label "national catalogue loaded"; \
	else echo "== $(NATIONAL) absent: the dialogue set with the national catalogue is skipped =="; fi
	@echo "== aspects and procedures per message: tests/aspects_dev/ (issue 16; development set, not held out) =="
	$(PY) -m tools.evaluation.aspect_eval

bench: seed train
	$(PY) -m tools.benchmarks.run

clean:
	rm -rf models var results .pytest_cache
