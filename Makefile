# ilert.watcher developer entry points. `make help` lists them.
# Stacks: PY=3.12 (default; ansible-core 2.21), PY=3.13 (ansible-core 2.21), PY=3.11 (ansible-core 2.19)
# and PY=3.11 ANSIBLE=2.16 (ansible-core 2.16, the oldest release meta/runtime.yml claims).

PY ?= 3.12
# Empty: the ansible-core requirements-dev.txt gives PY. Set: requirements-ansible$(ANSIBLE).txt pins it.
ANSIBLE ?=
# pyenv's shims exist for every version but only work for the active one, so prefer the
# real interpreter under $PYENV_ROOT/versions, then whatever python$(PY) is on PATH.
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/$(PY).*/bin/python$(PY)) $(shell command -v python$(PY) 2>/dev/null))
ifneq ($(ANSIBLE),)
VENV ?= .venv-py$(PY)-ansible$(ANSIBLE)
REQUIREMENTS := requirements-ansible$(ANSIBLE).txt
else ifeq ($(PY),3.12)
VENV ?= .venv
REQUIREMENTS := requirements-dev.txt
else
VENV ?= .venv-py$(PY)
REQUIREMENTS := requirements-dev.txt
endif
ifeq ($(wildcard $(REQUIREMENTS)),)
$(error ANSIBLE=$(ANSIBLE) has no $(REQUIREMENTS); the ansible-core versions with a stack: $(patsubst requirements-ansible%.txt,%,$(wildcard requirements-ansible*.txt)))
endif
# Names the stack's own ansible-test tree and molecule state, so stacks never share them.
STACK := py$(PY)$(if $(ANSIBLE),-ansible$(ANSIBLE))
# The venv's tools (ansible-galaxy, ansible-test, ...) must win over anything else on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export VENV := $(CURDIR)/$(VENV)
export PY ANSIBLE STACK
# Keep Ansible from reading a user's own configuration or collections during our tests.
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

STAMP := $(VENV)/.requirements-installed
# A managed-node interpreter with the 8.x Elasticsearch client, for tests against 8.x clusters.
ES8_VENV := $(CURDIR)/.venv-es8
ES8_STAMP := $(ES8_VENV)/.requirements-installed
export ES8_PYTHON := $(ES8_VENV)/bin/python

.PHONY: help venv test lint sanity docs units emulator-tests integration molecule awx reliability build kit bench-smoke changelog demo adopt-demo bench emulators emulators-stop clean

help:
	@echo "make demo           the main job against local emulators"
	@echo "make adopt-demo     adopting a setup built by hand: export.yml, then site.yml changes nothing"
	@echo "make bench          speed, requests and memory of the role against the floor and the hand-written way (bench/RESULTS.md)"
	@echo "make bench-smoke    growth guard (about a minute): fails if a no-op or exported watch costs over 1.5x as much at N=50 as at N=10"
	@echo "make test           lint, sanity, docs, units, integration, molecule, build, kit, bench-smoke (stops at the first failure)"
	@echo "make venv           create $(VENV) with the pinned toolchain (PY=$(PY))"
	@echo "make lint | sanity | docs | units | emulator-tests | integration | molecule | awx | reliability | build | kit | bench-smoke"
	@echo "                    one stage of make test"
	@echo "PY=3.11 make ...    the same on Python 3.11 + ansible-core 2.19 (PY=3.13: Python 3.13 + ansible-core 2.21)"
	@echo "PY=3.11 ANSIBLE=2.16 make ...   the same on Python 3.11 + ansible-core 2.16 (.venv-py3.11-ansible2.16)"

venv: $(STAMP) $(ES8_STAMP)

# Rebuilt only when a requirements file changes, so `make venv` is cheap to repeat.
$(STAMP): requirements.txt requirements-tools.txt requirements-awx.txt requirements-docs.txt $(REQUIREMENTS)
	@test -n "$(PYTHON)" || { echo "Python $(PY) not found: install it or set PYTHON=/path/to/python$(PY)" >&2; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@echo "venv: installing the pinned toolchain into $(VENV) (log: $(VENV)/pip.log)"
	@$(VENV)/bin/python -m pip install --upgrade pip > $(VENV)/pip.log 2>&1 \
	  && $(VENV)/bin/python -m pip install -r $(REQUIREMENTS) >> $(VENV)/pip.log 2>&1 \
	  || { tail -n 30 $(VENV)/pip.log >&2; exit 1; }
	@touch $@

$(ES8_STAMP): requirements-es8.txt
	@test -n "$(PYTHON)" || { echo "Python $(PY) not found: install it or set PYTHON=/path/to/python$(PY)" >&2; exit 1; }
	@test -x $(ES8_VENV)/bin/python || $(PYTHON) -m venv $(ES8_VENV)
	@echo "venv: installing the 8.x Elasticsearch client into $(ES8_VENV) (log: $(ES8_VENV)/pip.log)"
	@$(ES8_VENV)/bin/python -m pip install -r requirements-es8.txt > $(ES8_VENV)/pip.log 2>&1 \
	  || { tail -n 30 $(ES8_VENV)/pip.log >&2; exit 1; }
	@touch $@

test: lint sanity docs units emulator-tests integration molecule awx reliability build kit bench-smoke

lint: venv
	ansible-lint
	tools/docs.sh lint

sanity: venv
	tools/ansible-test.sh sanity

# The collection's HTML documentation (antsibull-docs, offline) in .cache/docs, then the check that
# every module, filter and role page names every option.
docs: venv
	tools/docs.sh build
	python -m pytest tests/docs -q -p no:cacheprovider

units: venv
	python -m pytest tests/unit -q -p no:cacheprovider

# The local iLert and Elasticsearch emulators, tested on their own before anything relies on them.
emulator-tests: venv
	python -m pytest tests/emulators -q -p no:cacheprovider

integration: venv
	@if ls tests/integration/targets/*/aliases >/dev/null 2>&1; then \
	  tools/integration.sh; \
	else \
	  echo "integration: no integration targets yet (they land with the modules, issues 6 and 7)"; \
	fi

# Molecule's state and the emulators' pid files per stack, so two stacks can run it at once
# (with their own MOLECULE_ES_PORT and MOLECULE_ILERT_PORT).
molecule: venv
	@if ls molecule/*/molecule.yml >/dev/null 2>&1; then \
	  MOLECULE_EPHEMERAL_DIRECTORY=$(CURDIR)/.cache/molecule/$(STACK) \
	  MOLECULE_EMULATORS_DIR=$(CURDIR)/.emulators/molecule-$(STACK) \
	  molecule test --all; \
	else \
	  echo "molecule: no scenario yet (it lands with the eswatcher role, issue 8)"; \
	fi

# AWX / Automation Platform readiness: execution environment, credential types, ansible-runner.
awx: venv
	python -m pytest tests/awx -q -p no:cacheprovider

# Faults, concurrency, secrets and bad input, against both emulators.
# RELIABILITY_TESTS narrows it (the other stacks run the many-clusters test only).
RELIABILITY_TESTS ?= tests/reliability
reliability: venv
	python -m pytest $(RELIABILITY_TESTS) -q -p no:cacheprovider

build: venv
	tools/check-build.sh .cache/build

# The emulators as a testing kit, as a user runs them: the tarball installed into a fresh venv,
# tests/emulators/serve.py from the installed collection, a playbook applied twice (about 40 s).
kit: venv
	python -m pytest tests/kit -q -p no:cacheprovider

changelog: venv
	antsibull-changelog lint

# The whole job against the local emulators, told step by step (tools/demo.py).
demo: venv
	@python tools/demo.py

# Adopting a setup built by hand, told step by step (tools/adopt_demo.py): export.yml writes it as
# eswatcher_sources, site.yml applied with that file writes nothing. Emulators of its own
# (127.0.0.1:19210 and :18090, .emulators/adopt-demo/), so it can run next to `make demo`.
adopt-demo: venv
	@python tools/adopt_demo.py

# Speed, requests and memory of the role against the floor and the hand-written way (bench/RESULTS.md).
bench: venv
	@python bench/run.py

# Growth guard: the role's no-op run and the export, per watch at N=50 against N=10, with emulators of its own
# (127.0.0.1:19260 and :18060); fails on worse than linear growth, never on an absolute time.
bench-smoke: venv
	@python bench/smoke.py

# The local iLert (127.0.0.1:18080) and Elasticsearch (127.0.0.1:19200) emulators, in the
# background; pid and log files in .emulators/.
emulators: venv
	tools/emulators.sh start

emulators-stop:
	tools/emulators.sh stop

clean:
	rm -rf .cache tests/output collections .ansible .pytest_cache
