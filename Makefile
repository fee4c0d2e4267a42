# Two commands on a fresh machine: `make demo` and `make test`. Needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The PostgreSQL the suite runs against a second time (each run gets its own schemas).
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# CI must never skip PostgreSQL silently; elsewhere a missing server is a loud warning.
REQUIRE_POSTGRES ?= $(if $(filter true 1,$(CI)),1,0)
# Test processes (pytest-xdist): every test has its own store and directory, so they run in parallel.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
SUITE := $(PYTEST) -n $(TEST_WORKERS)

# Third-party evaluation data, read in place (some of it is GPL: never copied into the project).
SHARED_DATA ?= ../shared/data

.PHONY: demo test lint typecheck suite suite-sqlite suite-postgres eval clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

demo: $(STAMP)
	$(BIN)/appsec-triage demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -q -r agent tools approvals evals config
	$(BIN)/zizmor --offline --persona=pedantic .github/workflows

typecheck: $(STAMP)
	$(BIN)/mypy

suite-sqlite: $(STAMP)
	$(SUITE) --db-backend=sqlite

suite-postgres: $(STAMP)
	@if $(BIN)/python -m tests.pg_probe "$(PG_URL)"; then \
		$(SUITE) --db-backend=postgresql --pg-url="$(PG_URL)"; \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
		echo "FAIL: PostgreSQL at $(PG_URL) does not answer, and this run requires it (CI)." >&2; \
		exit 1; \
	else \
		echo "" >&2; \
		echo "################################################################################" >&2; \
		echo "# WARNING: PostgreSQL at $(PG_URL) does not answer." >&2; \
		echo "# The suite ran on SQLite ONLY. Start PostgreSQL or set PG_URL to test both." >&2; \
		echo "################################################################################" >&2; \
	fi

test: lint typecheck suite-sqlite suite-postgres

# Evals on the shared data, read in place: every report parsed or rejected with a reason (no crash),
# and risk properties on real findings (non-shipping code never ranks higher; KEV never below high).
# Then triage quality (docs/evals.md): the example app and OWASP BenchmarkPython, each gated against
# evals/baselines/<dataset>.json (exit 1 on a regression), and the adversarial dataset (exit 1 on
# any successful attack). Reports go to .appsec-triage/evals/.
eval: $(STAMP)
	@if [ -d "$(SHARED_DATA)/scanner-reports" ]; then \
		$(BIN)/python -m evals.formats_corpus --data "$(SHARED_DATA)/scanner-reports" > .eval-formats.txt && \
		$(BIN)/python -m evals.risk_corpus --data "$(SHARED_DATA)/scanner-reports"; \
	else \
		echo "WARNING: $(SHARED_DATA) not found; the corpus evals did not run (set SHARED_DATA)." >&2; \
	fi
	$(BIN)/appsec-triage-eval --dataset example
	@if [ -d "$(SHARED_DATA)/owasp-benchmark-python" ]; then \
		$(BIN)/appsec-triage-eval --dataset owasp-benchmark-python --data "$(SHARED_DATA)"; \
	else \
		echo "" >&2; \
		echo "################################################################################" >&2; \
		echo "# WARNING: $(SHARED_DATA)/owasp-benchmark-python not found." >&2; \
		echo "# The triage-quality eval on OWASP BenchmarkPython did NOT run (set SHARED_DATA)." >&2; \
		echo "################################################################################" >&2; \
	fi
	@# Prompt injection (docs/evals.md): every shared payload plus the project's, the scripted
	@# hostile model, 0 successful attacks per code-enforced goal (evals/baselines/adversarial.json).
	@# Without $(SHARED_DATA)/prompt-injection it warns and runs the project payloads only.
	$(BIN)/appsec-triage-eval --dataset adversarial --data "$(SHARED_DATA)"

clean:
	rm -rf $(VENV) .appsec-triage .mypy_cache .ruff_cache
