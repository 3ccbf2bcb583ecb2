# IoT Match — `make run` starts the platform with demo data, `make test` runs the whole suite.
# Both create .venv and start an embedded PostgreSQL and Redis under var/ unless
# DATABASE_URL / REDIS_URL point elsewhere.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test eval screenshots stop install lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python scripts/dev.py run

test: $(STAMP)
	$(BIN)/python scripts/dev.py prepare-test
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python scripts/dev.py test $(PYTEST_ARGS)

# Match quality on the labelled relevance set (eval/relevance): NDCG@5, precision@5, grade-0
# and infeasible items in the top 5, both directions; then search quality on the labelled search
# set (eval/search): NDCG@10 and the zero-result rate. EVAL_ARGS=--lists prints every list.
eval: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python scripts/dev.py eval $(EVAL_ARGS)

# The browser tests again, writing the screenshots kept in docs/screenshots/ (a plain `make test`
# writes them under artifacts/ and leaves the work tree clean).
screenshots: $(STAMP)
	$(BIN)/python scripts/dev.py prepare-test
	UPDATE_SCREENSHOTS=1 DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python scripts/dev.py test tests/browser

stop: $(STAMP)
	$(BIN)/python scripts/dev.py stop

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: stop
	rm -rf var/pg var/redis var/static
