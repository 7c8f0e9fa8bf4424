# The two commands a province needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := PYTHONPATH=$(CURDIR) $(PY) -m rasa
INSTALLED := $(VENV)/.installed
RASA_ARGS := --domain bot/domain --config config.yml --data data
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: install run train seed test validate eval bench clean

$(INSTALLED): requirements.txt requirements-dev.txt
	@python=$$(scripts/find_python310.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(INSTALLED)

seed: install
	@$(PY) -m procedures_db seed

# Rasa compares the fingerprint of data, config, domain and custom components with
# the newest model in models/ and only trains when something changed.
train: install
	@$(RASA) train $(RASA_ARGS) --out models --fixed-model-name assistant 2>&1 | grep -v -E "^\s*$$|UserWarning|warnings.warn" || true
	@test -f models/assistant.tar.gz || { echo "training failed"; exit 1; }

run: seed train
	@$(PY) scripts/stack.py

validate: install
	$(RASA) data validate $(RASA_ARGS) --fail-on-warnings

test: seed train validate
	$(PY) -m pytest tests

eval: seed train
	$(PY) -m tests.evaluation.nlu_eval

bench: seed train
	$(PY) -m tests.benchmarks.run

clean:
	rm -rf models var results .pytest_cache
