# Xuncha: `make run` serves the demo on 127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test lint clean demo-logins app

# Serving needs only the runtime dependencies; the test tools come with `make test`.
$(BIN)/xuncha: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-tools: $(BIN)/xuncha pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/xuncha

install-test: $(VENV)/.test-tools

run: install
	$(BIN)/xuncha db upgrade
	@if [ ! -f var/.demo-seeded ]; then $(BIN)/xuncha seed-demo && touch var/.demo-seeded; \
	else echo "Demo data already loaded (logins: make demo-logins)."; fi
	@echo "Home:      http://$(HOST):$(PORT)/"
	@echo "Portal:    http://$(HOST):$(PORT)/portal/   (enterprise logins: manager, principal, viewer)"
	@echo "Board:     http://$(HOST):$(PORT)/board/    (supervisor login: make demo-logins)"
	@echo "App:       http://$(HOST):$(PORT)/app/      (inspectors, offline-first; phone-sized)"
	@echo "Blacklist: http://$(HOST):$(PORT)/blacklist"
	@echo "API docs:  http://$(HOST):$(PORT)/api/v1/docs"
	@echo "OpenAPI:   http://$(HOST):$(PORT)/api/v1/openapi.json"
	@echo "Health:    http://$(HOST):$(PORT)/healthz"
	$(BIN)/xuncha serve --host $(HOST) --port $(PORT)

demo-logins: install
	$(BIN)/xuncha seed-demo

test: install-test
	@if [ ! -d tests/sync_e2e/node_modules ] && command -v npm >/dev/null; then \
		npm ci --prefix tests/sync_e2e --no-audit --no-fund; fi
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check backend tests

# The inspector's app: rebuild backend/web/static/app/ from app/ (commit the result).
app:
	npm ci --prefix app --no-audit --no-fund
	npm run --prefix app build

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
