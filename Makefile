# inissiaq: every set-up step lives here. `make run` starts the product, `make test` passes the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY311 ?= $(shell for p in "$$(command -v python3.11 2>/dev/null)" $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.11.*/bin/python3.11 2>/dev/null); do [ -n "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2]==(3,11)' 2>/dev/null && { echo "$$p"; break; }; done)
PY310 ?= $(shell for p in "$$(command -v python3.10 2>/dev/null)" $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python3.10 2>/dev/null) /usr/bin/python3.10 /usr/local/bin/python3.10; do [ -n "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2]==(3,10)' 2>/dev/null && { echo "$$p"; break; }; done)

BACKEND_VENV := .venv-backend
RASA_VENV := .venv-rasa
BPY := $(BACKEND_VENV)/bin/python
RPY := $(RASA_VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa

.PHONY: help
help:
	@echo "make run    - install what is missing, train if needed, start backend + Rasa + action server"
	@echo "make cluster - the production topology on this machine: HAProxy, 2 web, 2 workers, 2 Rasa, 2 action servers"
	@echo "make test   - install what is missing and run the whole test suite"
	@echo "make bench  - latency and throughput of the gateway next to plain Rasa"
	@echo "make lint   - ruff, and the import contracts of pyproject.toml (lint-imports)"

# ---------------------------------------------------------------- environments
$(BACKEND_VENV)/.installed: requirements/backend.lock requirements/dev.lock pyproject.toml
	@[ -n "$(PY311)" ] || { echo "error: Python 3.11 not found (looked for python3.11 on PATH and under 'pyenv root'/versions/3.11.*)" >&2; exit 1; }
	"$(PY311)" -m venv $(BACKEND_VENV)
	$(BACKEND_VENV)/bin/python -m pip install -q --disable-pip-version-check uv==0.13.9
	$(BACKEND_VENV)/bin/uv pip sync -q --python $(BPY) requirements/backend.lock requirements/dev.lock
	$(BACKEND_VENV)/bin/uv pip install -q --python $(BPY) --no-deps -e .
	touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock
	@[ -n "$(PY310)" ] || { echo "error: Python 3.10 not found. Rasa 3.6 needs Python 3.10 (looked for python3.10 on PATH and under 'pyenv root'/versions/3.10.*). Install it, e.g. 'pyenv install 3.10'." >&2; exit 1; }
	"$(PY310)" -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install -q --disable-pip-version-check uv==0.13.9
	$(RASA_VENV)/bin/uv pip sync -q --python $(RPY) requirements/rasa.lock
	touch $@

.PHONY: venvs
venvs: $(BACKEND_VENV)/.installed $(RASA_VENV)/.installed

.PHONY: lint
lint: venvs
	$(BACKEND_VENV)/bin/ruff check backend actions bot privacy tests scripts
	$(BACKEND_VENV)/bin/ruff format --check backend actions bot privacy tests scripts
	$(BACKEND_VENV)/bin/lint-imports

# ---------------------------------------------------------------- model and catalogs
.PHONY: model
model: $(RASA_VENV)/.installed
	@$(RPY) scripts/model.py train

.PHONY: messages
messages: $(BACKEND_VENV)/.installed   ## extract new texts and merge them into the catalogs (citizen kl/da/sv, inbox da/kl)
	$(BPY) scripts/catalogs.py extract
	$(BPY) scripts/catalogs.py update

.PHONY: catalogs
catalogs: $(BACKEND_VENV)/.installed   ## compile .po to .mo (the backend also compiles in memory if missing)
	$(BPY) scripts/catalogs.py compile

# ---------------------------------------------------------------- run
# scripts/stack.py trains if needed, migrates, starts and supervises; SIGTERM, SIGINT or SIGHUP stop all
.PHONY: run
run: venvs catalogs oidc-deps design-deps
	@exec $(BPY) scripts/stack.py

.PHONY: cluster
cluster: venvs catalogs haproxy-deps   ## the production topology on loopback ports (deploy/), Ctrl-C stops it
	@model=$$($(RPY) scripts/model.py train) && exec $(BPY) scripts/cluster.py "$$model"

# ---------------------------------------------------------------- browser test tools (Debian's chromium, no downloads)
.PHONY: browser-deps
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "installing Debian's chromium and chromium-driver"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@[ -f tests/browser/node_modules/axe-core/axe.min.js ] || (cd tests/browser && npm ci --silent --no-audit --no-fund)

# ---------------------------------------------------------------- the load balancer (Debian's HAProxy, no downloads)
.PHONY: haproxy-deps
haproxy-deps:
	@if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then \
		echo "installing Debian's haproxy"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy >/dev/null; \
	fi

# ---------------------------------------------------------------- Det Fælles Designsystem (npm dkfds, served from design/node_modules)
.PHONY: design-deps
design-deps:
	@[ -f design/node_modules/dkfds/dist/css/dkfds.min.css ] || (cd design && npm ci --silent --no-audit --no-fund)

# ---------------------------------------------------------------- the local OpenID provider (eID tests, EID=oidc make run)
.PHONY: oidc-deps
oidc-deps:
	@[ -f tests/oidc/node_modules/oidc-provider/package.json ] || (cd tests/oidc && npm ci --silent --no-audit --no-fund)

# ---------------------------------------------------------------- test
.PHONY: test
test: venvs catalogs browser-deps oidc-deps design-deps haproxy-deps
	$(BACKEND_VENV)/bin/ruff check backend actions bot privacy tests scripts
	$(BACKEND_VENV)/bin/ruff format --check backend actions bot privacy tests scripts
	$(BACKEND_VENV)/bin/lint-imports
	@# Two cores, one make with the jobs' order in their prerequisites; each job prints its output when
	@# it ends. The model is trained first (when its inputs changed) at full priority: TensorFlow leaves
	@# part of the two cores idle, and spends a third more CPU when another busy process takes its turn
	@# on them. The backend suite (no model needed) runs beside it at a low priority, in that idle part.
	@# Once the model is there: the test stories, the end-to-end tests with processes of their own and
	@# those sharing one stack (which wait for their processes much of the time), and the NLU evaluation
	@# (another training) at a low priority in the gaps.
	$(MAKE) --no-print-directory -j6 --output-sync=target test-rasa-checks test-backend test-rasa-model test-e2e-own test-e2e-shared test-nlu-eval

.PHONY: test-backend test-rasa test-rasa-checks test-rasa-model test-nlu-eval test-e2e-own test-e2e-shared
# Each job that starts servers takes their ports from a block of its own (scripts/ports.py), so jobs
# running side by side never take the same port.
test-backend:
	INISSIAQ_PORT_BLOCK=1 nice -n 10 $(BACKEND_VENV)/bin/pytest -q -p no:cacheprovider tests/backend tests/locales tests/scripts

# The Rasa side: the checks of the training data and the Python tests of actions/bot/NLU component,
# then the model (trained when its inputs changed) against the test stories.
test-rasa: test-rasa-checks test-rasa-model

test-rasa-checks:
	PYTHONPATH=$(CURDIR) $(RASA) data validate --domain domain.yml --data data --config config.yml --fail-on-warnings
	INISSIAQ_PORT_BLOCK=2 $(RASA_VENV)/bin/pytest -q -p no:cacheprovider tests/actions tests/bot tests/nlu

test-rasa-model: model
	@model=$$($(RPY) scripts/model.py train) && \
		PYTHONPATH=$(CURDIR) $(RASA) test core --model "$$model" --stories tests/stories --out var/test-results/core --fail-on-prediction-errors

test-nlu-eval: model
	nice -n 10 $(RPY) scripts/nlu_eval.py --cached

test-e2e-own: model
	INISSIAQ_PORT_BLOCK=3 $(BACKEND_VENV)/bin/pytest -q -p no:cacheprovider -m own_stack tests/e2e

test-e2e-shared: model
	INISSIAQ_PORT_BLOCK=4 $(BACKEND_VENV)/bin/pytest -q -p no:cacheprovider -m "not own_stack" tests/e2e tests/browser

# ---------------------------------------------------------------- bench
.PHONY: bench
bench: venvs catalogs haproxy-deps
	@model=$$($(RPY) scripts/model.py train) && $(BPY) scripts/bench.py --model "$$model"

.PHONY: clean
clean:
	rm -rf var/test-results .pytest_cache
