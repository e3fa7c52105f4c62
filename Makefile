# One command per check, and `make check` for all of them. Everything runs in .venv.
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export SAM_CLI_TELEMETRY := 0
# Lambda puts the layer and the function folder on the import path; so do local commands.
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)/functions:$(CURDIR)

.PHONY: setup test lint validate build check run bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --requirement requirements-dev.txt
	touch $@

test: setup
	$(PY) -m pytest -n 2

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# cfn-lint cannot see inside the serverless transform, so the translated template is linted too.
validate: setup
	$(BIN)/cfn-lint template.yaml
	mkdir -p .aws-sam
	$(PY) scripts/translate_template.py template.yaml > .aws-sam/translated.json
	$(BIN)/cfn-lint .aws-sam/translated.json

build: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/sam build --template-file template.yaml
	$(PY) scripts/check_build.py

run: setup
	$(PY) -m local_runtime

# Figures, not checks: prints `name: value` lines (see docs/PERFORMANCE.md).
bench: setup
	$(PY) -W ignore bench/aws_requests.py
	$(PY) bench/resume_extraction.py

check: lint validate test build

clean:
	rm -rf .aws-sam outbox .local
