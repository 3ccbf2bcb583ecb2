# IoT Match — `make run` starts the platform with demo data, `make test` runs the whole suite.
# Both create .venv and start an embedded PostgreSQL and Redis under var/ unless
# DATABASE_URL / REDIS_URL point elsewhere.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test stop install lint format check-deploy clean

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
