# One command per check, and `make check` for all of them. Everything runs in .venv.
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export SAM_CLI_TELEMETRY := 0
# Lambda puts the layer and the function folder on the import path; so do local commands.
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)/functions:$(CURDIR)

.PHONY: setup test lint validate build check run bench reliability clean events redrive

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

# checkov pins boto3, botocore and packaging below requirements-dev.txt, so it has a venv of its own.
CHECKOV_VENV ?= .venv-checkov

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --requirement requirements-checkov.txt
	touch $@

# cfn-lint and checkov cannot see inside the serverless transform, so the translated template is
# checked too. checkov's skips, each with its reason, are in .checkov.yaml.
validate: setup $(CHECKOV_VENV)/.installed
	$(BIN)/cfn-lint template.yaml
	mkdir -p .aws-sam
	$(PY) scripts/translate_template.py template.yaml > .aws-sam/translated.json
	$(BIN)/cfn-lint .aws-sam/translated.json
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --file template.yaml --file .aws-sam/translated.json

build: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/sam build --template-file template.yaml
	$(PY) scripts/check_build.py

# Tables and bucket objects are kept in .local/ across restarts; RUN_ARGS=--no-persist starts empty.
run: setup
	$(PY) -m local_runtime --persist $(RUN_ARGS)

# events/ and env.json for `sam local` (README, Operations); tests replay every file.
events: setup
	$(PY) -m scripts.capture_events

# Failure queues back to their functions (README, "When the pipeline stalls"):
# make redrive STACK=<stack name> [REDRIVE_ARGS="--queue email --dry-run"], or REDRIVE_ARGS=--local.
redrive: setup
	$(PY) -m scripts.redrive $(if $(STACK),--stack-name $(STACK)) $(REDRIVE_ARGS)

# Figures, not checks: prints `name: value` lines (see docs/PERFORMANCE.md).
# The burst's 2,000 bookings (the script's default) took 8 minutes here with the floor, so make bench
# makes 500; make bench BURST_BOOKINGS=2000 runs it at the hiring event's size.
BURST_BOOKINGS ?= 500
bench: setup bench-setup
	$(PY) -W ignore bench/aws_requests.py
	$(PY) bench/resume_extraction.py
	$(PY) bench/cold_start.py
	$(PY) bench/pipeline_throughput.py
	$(PY) bench/booking_burst.py -n $(BURST_BOOKINGS)
	test -d .aws-sam/build || $(MAKE) build
	$(PY) bench/artifact_sizes.py

# pdftotext (poppler-utils) is what bench/resume_extraction.py compares with; it skips it if absent.
.PHONY: bench-setup
bench-setup:
	@if command -v pdftotext >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends poppler-utils \
			|| echo "bench-setup: poppler-utils could not be installed; pdftotext figures are skipped"; \
	else echo "bench-setup: pdftotext is missing and needs apt-get as root to install; its figures are skipped"; fi

# The full reliability suite (docs/RELIABILITY.md): figures counted in one run, printed at the end.
# Every check at its full size (`slow`), not its quick one (`make test` runs those). Serial on
# purpose: the concurrency and fuzzing parts bring their own parallel load.
reliability: setup
	$(PY) -m pytest tests/reliability -m "not quick"

check: lint validate test build

clean:
	rm -rf .aws-sam outbox .local
