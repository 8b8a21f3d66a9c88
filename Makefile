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
.PHONY: help venv run demo images serve stack test test-python test-js types test-postgres newman axios bench clean lint format \
	lab lab-start lab-check lab-hint lab-solution lab-reset

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The virtual environment is built on first use and rebuilt when
# pyproject.toml changes. `make run` installs only what running needs;
# `make test` adds the dev extras (pytest, Playwright, gunicorn, psycopg).
# pip runs quietly: its output is shown only if it fails. editable_mode=compat
# is a plain .pth path entry, so setuptools prints no "Editable installation"
# banner and backend/ is imported straight from this folder.
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat
define pip_quietly
	@out=$$($(1) 2>&1) || { echo "$$out"; echo "pip install failed (output above)"; exit 1; }
endef

$(VENV)/.runtime-installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@echo "First run: installing the Python packages into $(VENV)/ (once)..."
	@$(PYTHON) -m venv $(VENV)
	$(call pip_quietly,$(PIP_INSTALL) -e .)
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime-installed
	@echo "Installing the test and production tools into $(VENV)/ (once)..."
	$(call pip_quietly,$(PIP_INSTALL) -e '.[dev]')
	@touch $@

venv: $(VENV)/.installed ## build .venv/ with everything (run and test)

# `make run LAN=1` (or `make demo LAN=1`): a workshop room. Both servers
# listen on every interface (LAN_BIND), the page's addresses on this
# machine's LAN addresses (LAN_ADDRESSES, found by backend/deploy/lan_addresses.py
# without sending any traffic) are printed and added to CORS_ORIGINS.
comma := ,
ifdef LAN
LAN_BIND      ?= 0.0.0.0
LAN_ADDRESSES ?= $(shell $(PYTHON) backend/deploy/lan_addresses.py)
BIND          := $(LAN_BIND)
CORS_ORIGINS  := $(CORS_ORIGINS)$(foreach a,$(LAN_ADDRESSES),$(if $(findstring http://$(a):$(FRONTEND_PORT),$(CORS_ORIGINS)),,$(comma)http://$(a):$(FRONTEND_PORT)))
else
BIND          := 127.0.0.1
endif
# The address to open on this machine.
HERE          := $(if $(filter 0.0.0.0,$(BIND)),127.0.0.1,$(BIND))
# The page's address query for host $(1): ?api= for a backend on another
# port, and PAGE_PARAMS (`make demo` tells the page its lifetimes there).
space         := $(subst ,, )
page_query     = $(subst $(space),&,$(strip $(if $(filter 5001,$(BACKEND_PORT)),,api=http://$(1):$(BACKEND_PORT)) $(PAGE_PARAMS)))
page_address   = http://$(1):$(FRONTEND_PORT)/$(if $(call page_query,$(1)),?$(call page_query,$(1)))

run: $(VENV)/.runtime-installed ## run the API on :5001 and the demo page on :8000 (Ctrl-C stops both; LAN=1 for a room)
	@$(PY) -c 'import socket, sys; [socket.create_server((sys.argv[1], int(p))).close() for p in sys.argv[2:]]' \
		$(BIND) $(BACKEND_PORT) $(FRONTEND_PORT) 2>/dev/null || { echo "Port $(BACKEND_PORT) or $(FRONTEND_PORT) is already in use:"\
		"stop the other server, or run e.g. make run BACKEND_PORT=5002 FRONTEND_PORT=8001"; exit 1; }
	@$(FLASK) init-db
	@$(FLASK) create-user demo --password password --exist-ok
	@echo ""
	@echo "  Demo page:  $(call page_address,$(HERE))"
	@echo "  API:        http://$(HERE):$(BACKEND_PORT)/health"
ifdef LAN
	@addresses="$(strip $(LAN_ADDRESSES))"; \
	if [ -z "$$addresses" ]; then echo "  No LAN address found: only this machine can open the page."; else \
	  for a in $$addresses; do echo "  In the room: $(call page_address,$$a)"; done; \
	  echo "  Plain http on a LAN address is not a secure context: browsers there have no"; \
	  echo "  Web Locks, so the client coordinates their tabs with its fallback lease lock."; fi
endif
	@# `make demo` (or your own environment) shortens the lifetimes: say so.
	@$(if $(ACCESS_TOKEN_TTL),echo "  Access tokens live $(ACCESS_TOKEN_TTL) s (ACCESS_TOKEN_TTL; default 900 s).")
	@$(if $(REFRESH_TOKEN_TTL),echo "  Refresh tokens live $(REFRESH_TOKEN_TTL) s (REFRESH_TOKEN_TTL; default 7 days).")
	@$(if $(REFRESH_DELAY_MS),echo "  Each refresh answers after $(REFRESH_DELAY_MS) ms (REFRESH_DELAY_MS): slow enough to watch the queue.")
	@$(if $(REAUTH_MAX_AGE),echo "  A password counts as recent for $(REAUTH_MAX_AGE) s (REAUTH_MAX_AGE; default 900 s): ending another device's session then asks for it again.")
	@$(if $(filter 0,$(REFRESH_REUSE_GRACE_S)),echo "  No safe retry (REFRESH_REUSE_GRACE_S=0; default 10 s): a spent refresh token presented again is reuse at once.")
	@$(if $(IDLE_AFTER_S),echo "  The page stops renewing a session after $(IDLE_AFTER_S) s without input (?idle=$(IDLE_AFTER_S)): leave it alone and it lapses within $(REFRESH_TOKEN_TTL) s.")
	@echo "  Log in as demo / password. Ctrl-C stops both servers."
	@echo ""
	@# Both servers run in the background; when either stops (Ctrl-C, or a
	@# port already in use), the other is stopped too. Ctrl-C is the normal
	@# way out: say goodbye and exit 0, so make reports no "Error 130".
	@trap 'kill $$frontend $$backend 2>/dev/null; wait; echo "Stopped both servers. Bye!"; exit 0' INT TERM; \
	$(PY) -m http.server $(FRONTEND_PORT) --bind $(BIND) --directory frontend 2>/dev/null & frontend=$$!; \
	$(FLASK) run --host $(BIND) --port $(BACKEND_PORT) & backend=$$!; \
	wait -n; status=$$?; kill $$frontend $$backend 2>/dev/null; wait; exit $$status

# Not a recursive $(MAKE): a second make would report Ctrl-C as "Interrupt".
demo: export ACCESS_TOKEN_TTL := 20
# `make demo ABANDON=1`: the abandoned tab in a minute. The page stops
# renewing after 15 s without input, and the refresh token lapses 60 s
# after its last renewal. The page learns both from its address.
IDLE_AFTER_S  := $(if $(ABANDON),15)
demo: export REFRESH_TOKEN_TTL := $(if $(ABANDON),60,600)
demo: export REAUTH_MAX_AGE := 60
demo: PAGE_PARAMS = refresh_ttl=$(REFRESH_TOKEN_TTL) $(if $(IDLE_AFTER_S),idle=$(IDLE_AFTER_S))
demo: export REFRESH_DELAY_MS := 800
# Strict reuse detection, as the blog posts' servers have, so the naive
# interceptor's burst of refreshes ends the session on stage (docs/05).
demo: export REFRESH_REUSE_GRACE_S := 0
demo: run ## `make run` with 20 s access tokens, a visible 800 ms refresh, 60 s passwords (ABANDON=1: a 60 s refresh token)

serve: $(VENV)/.installed ## production entry point: gunicorn, 2 x cores + 1 workers on 127.0.0.1:5001 (needs JWT_SECRET_KEY)
	@# gunicorn reads WEB_CONCURRENCY before its config file and fails on an empty one.
	@[ -n "$$(echo $$WEB_CONCURRENCY)" ] || unset WEB_CONCURRENCY; \
	APP_ENV=$${APP_ENV:-production} $(VENV)/bin/gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'

# nginx -> two gunicorn app servers -> PostgreSQL + Redis, all on loopback
# (backend/deploy/). Its own nginx and Redis; PostgreSQL is DATABASE_URL or a
# throwaway cluster. Ctrl-C stops everything.
STACK_PORT ?= 8080
stack: $(VENV)/.installed ## nginx + 2 app servers + PostgreSQL + Redis on :8080 (STACK_PORT; Ctrl-C stops all)
	@$(PY) backend/deploy/stack.py --port $(STACK_PORT)

test: lint test-js types test-python ## run every test, lint first (says what it skipped and why)

# ruff (pinned in the dev extra) lints and formats the Python; Prettier
# (pinned in tests/lint/package-lock.json) formats the JavaScript and CSS.
# Both read their settings from the repository (pyproject.toml,
# .prettierrc.json), so an editor's format-on-save agrees with CI. Lines stop
# at 100 characters everywhere.
PRETTIER       := tests/lint/node_modules/.bin/prettier
PRETTIER_FILES := "frontend/**/*.{js,css}" "tests/js/**/*.mjs" "bench/*.mjs"
$(PRETTIER): tests/lint/package.json tests/lint/package-lock.json
	npm ci --prefix tests/lint --no-audit --no-fund --loglevel=error
	@touch $@

lint: $(VENV)/.installed ## check formatting and lint rules (ruff, Prettier, line length); make format fixes most
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(PRETTIER) && $(PRETTIER) --check --log-level warn $(PRETTIER_FILES); \
	elif [ -n "$$SILENT_REFRESH_REQUIRE_ALL" ]; then echo "npm is required for Prettier (SILENT_REFRESH_REQUIRE_ALL is set)"; exit 1; \
	else echo "SKIPPED: Prettier check of frontend/ (no 'npm' on PATH; install Node 20+)"; fi
	@# Characters, not bytes (awk counts bytes in some builds: a Chinese line would look long).
	@long=$$($(PY) -c 'import sys; [print(f"{p}:{n}: {len(l)} characters") for p in sys.argv[1:] \
		for n, l in enumerate(open(p, encoding="utf-8").read().splitlines(), 1) if len(l) > 100]' \
		$$(git ls-files 'frontend/*.js' 'frontend/*.css' 'backend/*.py' 'backend/*.template')); \
	if [ -n "$$long" ]; then echo "Lines over 100 characters (Prettier leaves long strings and comments):"; echo "$$long"; exit 1; fi
	@echo "lint: clean"

format: $(VENV)/.installed ## format Python (ruff) and JavaScript/CSS (Prettier) in place
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	@$(MAKE) --no-print-directory $(PRETTIER)
	$(PRETTIER) --write --log-level warn $(PRETTIER_FILES)

# newman (the Postman CLI) runs docs/postman/ in tests/test_newman.py; it is
# installed from the npm registry into tests/newman/node_modules when npm exists.
NEWMAN := tests/newman/node_modules/.bin/newman
$(NEWMAN): tests/newman/package.json tests/newman/package-lock.json
	npm ci --prefix tests/newman --no-audit --no-fund --loglevel=error
	@touch $@

newman: ## install newman (the Postman CLI) for the Postman collection test
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NEWMAN); \
	else echo "SKIPPED: newman install (no 'npm' on PATH; the Postman collection test will skip)"; fi

# axios and axios-auth-refresh, for tests only (the fetch client needs no npm):
# the axios adapter's suites and the blog code (tests/js/blog/) use them.
AXIOS := tests/axios/node_modules/.package-lock.json
$(AXIOS): tests/axios/package.json tests/axios/package-lock.json
	npm ci --prefix tests/axios --no-audit --no-fund --loglevel=error
	@touch $@

axios:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(AXIOS); \
	elif [ -n "$$SILENT_REFRESH_REQUIRE_ALL" ]; then echo "npm is required here to install tests/axios (SILENT_REFRESH_REQUIRE_ALL is set)"; exit 1; \
	else echo "SKIPPED: axios install (no 'npm' on PATH; the axios and blog-code tests will skip)"; fi

test-python: $(VENV)/.installed newman axios ## only the Python tests (API, security, docs, browser, newman, curl)
	$(PY) -m pytest

test-postgres: $(VENV)/.installed ## the backend tests again on PostgreSQL (TEST_DATABASE_URL; as root: source .ci/postgres.sh)
	@if [ -z "$$TEST_DATABASE_URL" ]; then echo "Set TEST_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@127.0.0.1:5432/DB (as root: source .ci/postgres.sh)"; exit 1; fi
	$(PY) -m pytest tests --ignore=tests/browser

test-js: axios ## only the JavaScript client tests (node --test)
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

types: ## type-check frontend/js and frontend/demo (tsc --checkJs, demo strict) and the .d.ts for drift
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ -n "$$SILENT_REFRESH_REQUIRE_ALL" ]; then echo "npm is required for the type check (SILENT_REFRESH_REQUIRE_ALL is set)"; exit 1; fi; \
		echo "SKIPPED: type check of frontend/js (no 'npm' on PATH; install Node 20+)"; exit 0; \
	fi; \
	$(MAKE) --no-print-directory $(TSC) && \
	$(TSC) -p tests/types/tsconfig.json && \
	$(TSC) -p tests/types/tsconfig.demo.json && \
	out=$$(mktemp -d) && $(TSC) -p tests/types/tsconfig.declaration.json --outDir $$out && \
	{ diff -u frontend/js/silent-refresh.d.ts $$out/silent-refresh.d.ts || \
	  { echo "frontend/js/silent-refresh.d.ts disagrees with the JSDoc: run make types-write"; rm -rf $$out; exit 1; }; } && \
	rm -rf $$out && echo "types: frontend/js and frontend/demo check with 0 errors; silent-refresh.d.ts is up to date"

types-write: $(TSC) ## regenerate frontend/js/silent-refresh.d.ts from the JSDoc
	$(TSC) -p tests/types/tsconfig.declaration.json --outDir frontend/js

# PostgreSQL for bench/server.py: TEST_DATABASE_URL (or BENCH_DATABASE_URL)
# if set. Starting the SYSTEM cluster (as root, .ci/postgres.sh) is opt-in:
# BENCH_POSTGRES=1. Without either, the server bench measures SQLite only.
BENCH_POSTGRES ?= 0
bench: $(VENV)/.installed ## measure the client queue (needs Node), the server and the nginx stack (ratios, one run)
	@command -v node >/dev/null 2>&1 || { echo "make bench needs Node 20+ for bench/client_queue.mjs"; exit 1; }
	node bench/client_queue.mjs
	@if [ -n "$$TEST_DATABASE_URL$$BENCH_DATABASE_URL" ]; then echo "PostgreSQL: the database in $$([ -n "$$BENCH_DATABASE_URL" ] && echo BENCH_DATABASE_URL || echo TEST_DATABASE_URL) (in a schema of its own)"; \
	elif [ "$(BENCH_POSTGRES)" = 1 ]; then echo "PostgreSQL (BENCH_POSTGRES=1): as root, .ci/postgres.sh starts the system cluster if it is down," \
		"(re)sets the password of role silent_refresh, and drops and recreates database silent_refresh_bench"; \
	else echo "PostgreSQL: not used (set TEST_DATABASE_URL, or BENCH_POSTGRES=1 to let .ci/postgres.sh start the system cluster as root)"; fi
	BENCH_START_POSTGRES=$(if $(filter 1,$(BENCH_POSTGRES)),1,0) $(PY) bench/server.py
	$(PY) bench/stack.py

# Workshop labs (docs/labs/): repair one defence of the real code; the
# project's own tests judge it. LAB=NN picks the lab (lab-check and
# lab-hint default to the one started); LAB_LANG=zh-CN for Chinese.
LAB_RUN := $(PY) docs/labs/lab.py
lab: $(VENV)/.installed ## list the workshop labs and which are solved
	@$(LAB_RUN) list
lab-start: $(VENV)/.installed ## put lab LAB=NN's starting version in place (your edits are saved beside)
	@$(LAB_RUN) start $(LAB)
lab-check: $(VENV)/.installed ## run the tests that judge lab LAB=NN; exit 0 only when solved
	@$(LAB_RUN) check $(LAB)
lab-hint: $(VENV)/.installed ## the next hint for lab LAB=NN
	@$(LAB_RUN) hint $(LAB)
lab-solution: $(VENV)/.installed ## for presenters: put lab LAB=NN's reference code back
	@$(LAB_RUN) solution $(LAB)
lab-reset: $(VENV)/.installed ## every lab file back to the project's code (attempts saved beside)
	@$(LAB_RUN) reset

images: $(VENV)/.installed ## regenerate docs/images/ from the real page in Chromium
	@echo "Regenerating docs/images/ (a backend, the page and Chromium, a few seconds each):"
	@$(PY) docs/tools/make_images.py

clean: ## remove the virtual environment and caches (keeps the instance folder)
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/browser/screenshots tests/newman/node_modules tests/axios/node_modules tests/types/node_modules tests/lint/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
