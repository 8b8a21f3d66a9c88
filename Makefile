# Silent Refresh: `make run` to try it, `make test` to prove it. `make help` lists all.

SHELL         := /bin/bash
PYTHON        ?= python3
VENV          ?= .venv
PY            := $(VENV)/bin/python
FLASK         := $(VENV)/bin/flask --app backend
BACKEND_PORT  ?= 5001
FRONTEND_PORT ?= 8000
# The API must allow the page's origin: follow FRONTEND_PORT unless set.
CORS_ORIGINS  ?= http://localhost:$(FRONTEND_PORT),http://127.0.0.1:$(FRONTEND_PORT)
export BACKEND_PORT FRONTEND_PORT CORS_ORIGINS

.DEFAULT_GOAL := help
.PHONY: help venv run demo serve test test-python test-js types test-postgres newman bench clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The virtual environment is built on first use and rebuilt when
# pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed ## run the API on :5001 and the demo page on :8000 (Ctrl-C stops both)
	@$(PY) -c 'import socket, sys; [socket.create_server(("127.0.0.1", int(p))).close() for p in sys.argv[1:]]' \
		$(BACKEND_PORT) $(FRONTEND_PORT) 2>/dev/null || { echo "Port $(BACKEND_PORT) or $(FRONTEND_PORT) is already in use:"\
		"stop the other server, or run e.g. make run BACKEND_PORT=5002 FRONTEND_PORT=8001"; exit 1; }
	@$(FLASK) init-db
	@$(FLASK) create-user demo --password password --exist-ok
	@echo ""
	@echo "  Demo page:  http://127.0.0.1:$(FRONTEND_PORT)/$(if $(filter 5001,$(BACKEND_PORT)),,?api=http://127.0.0.1:$(BACKEND_PORT))"
	@echo "  API:        http://127.0.0.1:$(BACKEND_PORT)/health"
	@echo "  Log in as demo / password. Ctrl-C stops both servers."
	@echo ""
	@# Both servers run in the background; when either stops (Ctrl-C, or a
	@# port already in use), the other is stopped too.
	@$(PY) -m http.server $(FRONTEND_PORT) --bind 127.0.0.1 --directory frontend 2>/dev/null & frontend=$$!; \
	$(FLASK) run --host 127.0.0.1 --port $(BACKEND_PORT) & backend=$$!; \
	trap 'kill $$frontend $$backend 2>/dev/null' INT TERM EXIT; \
	wait -n; status=$$?; kill $$frontend $$backend 2>/dev/null; wait; exit $$status

demo: ## `make run` with 20 s access tokens and a visible 800 ms refresh
	@ACCESS_TOKEN_TTL=20 REFRESH_TOKEN_TTL=600 REFRESH_DELAY_MS=800 $(MAKE) --no-print-directory run

serve: $(VENV)/.installed ## production entry point: gunicorn, 2 x cores + 1 workers on 127.0.0.1:5001 (needs JWT_SECRET_KEY)
	APP_ENV=$${APP_ENV:-production} $(VENV)/bin/gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'

test: test-js types test-python ## run every test (says what it skipped and why)

# newman (the Postman CLI) runs docs/postman/ in tests/test_newman.py; it is
# installed from the npm registry into tests/newman/node_modules when npm exists.
NEWMAN := tests/newman/node_modules/.bin/newman
$(NEWMAN): tests/newman/package.json tests/newman/package-lock.json
	npm ci --prefix tests/newman --no-audit --no-fund --loglevel=error
	@touch $@

newman:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NEWMAN); \
	else echo "SKIPPED: newman install (no 'npm' on PATH; the Postman collection test will skip)"; fi

test-python: $(VENV)/.installed newman ## only the Python tests (API, security, docs, browser, newman, curl)
	$(PY) -m pytest

test-postgres: $(VENV)/.installed ## the backend tests again on PostgreSQL (TEST_DATABASE_URL; as root: source .ci/postgres.sh)
	@if [ -z "$$TEST_DATABASE_URL" ]; then echo "Set TEST_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@127.0.0.1:5432/DB (as root: source .ci/postgres.sh)"; exit 1; fi
	$(PY) -m pytest tests --ignore=tests/browser

test-js: ## only the JavaScript client tests (node --test)
	@if command -v node >/dev/null 2>&1; then \
		node --test tests/js/; \
	elif [ -n "$$SILENT_REFRESH_REQUIRE_ALL" ]; then \
		echo "Node.js is required here (SILENT_REFRESH_REQUIRE_ALL is set)"; exit 1; \
	else \
		echo "SKIPPED: JavaScript client tests (no 'node' on PATH; install Node 20+)"; \
	fi

# TypeScript (pinned in tests/types/package-lock.json) checks the JSDoc types of
# frontend/js, and that the shipped silent-refresh.d.ts still matches them.
TSC := tests/types/node_modules/.bin/tsc
$(TSC): tests/types/package.json tests/types/package-lock.json
	npm ci --prefix tests/types --no-audit --no-fund --loglevel=error
	@touch $@

types: ## type-check frontend/js (tsc --checkJs) and the .d.ts for drift
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ -n "$$SILENT_REFRESH_REQUIRE_ALL" ]; then echo "npm is required for the type check (SILENT_REFRESH_REQUIRE_ALL is set)"; exit 1; fi; \
		echo "SKIPPED: type check of frontend/js (no 'npm' on PATH; install Node 20+)"; exit 0; \
	fi; \
	$(MAKE) --no-print-directory $(TSC) && \
	$(TSC) -p tests/types/tsconfig.json && \
	out=$$(mktemp -d) && $(TSC) -p tests/types/tsconfig.declaration.json --outDir $$out && \
	{ diff -u frontend/js/silent-refresh.d.ts $$out/silent-refresh.d.ts || \
	  { echo "frontend/js/silent-refresh.d.ts disagrees with the JSDoc: run make types-write"; rm -rf $$out; exit 1; }; } && \
	rm -rf $$out && echo "types: frontend/js checks with 0 errors; silent-refresh.d.ts is up to date"

types-write: $(TSC) ## regenerate frontend/js/silent-refresh.d.ts from the JSDoc
	$(TSC) -p tests/types/tsconfig.declaration.json --outDir frontend/js

bench: $(VENV)/.installed ## measure the client queue (needs Node) and the server (ratios, one run)
	@command -v node >/dev/null 2>&1 || { echo "make bench needs Node 20+ for bench/client_queue.mjs"; exit 1; }
	node bench/client_queue.mjs
	$(PY) bench/server.py

clean: ## remove the virtual environment and caches (keeps the instance folder)
	rm -rf $(VENV) .pytest_cache tests/browser/screenshots tests/newman/node_modules tests/types/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
