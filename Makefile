# graphops.neo4j developer entry points. A fresh clone needs python3 (3.11), node/npm, make and git.
#   make demo   - run playbooks/demo.yml against the Neo4j cluster simulator
#   make test   - ansible-test sanity, ansible-lint (production profile), the pytest suite (simulated Neo4j 5.26),
#                 then the release-sensitive integration tests against a simulated calendar release with the
#                 neo4j 6.x driver and the driver-facing ones with the 5.28 driver
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VPY := $(VENV)/bin/python
DRIVER5_VENV := .venv-driver5
BUILD := build
# ANSIBLE_COLLECTIONS_PATH for playbook runs: ansible_collections/graphops/neo4j is a symlink to this repo.
COLLECTIONS := $(BUILD)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/graphops/neo4j
# ansible-test needs a real (not symlinked) ansible_collections/graphops/neo4j tree.
SANITY_ROOT := $(BUILD)/sanity
# ansible-core 2.19 bootstraps pip in its sanity venvs from this cached script (see tools/get_pip_standin.py).
GET_PIP := $(HOME)/.ansible/test/cache/get_pip_24_2.py
PYTEST_ARGS ?=
# The release-line matrix (docs/testing.md, "Release lines").  make test runs the whole suite on 5.26 with the
# neo4j 6.x driver, then, against MATRIX_VERSION, the tests whose subject changes between release lines
# (CALVER_TESTS: the Cypher each module sends, the alias switch and its races, connection errors) with the 6.x
# driver and the driver-facing ones (DRIVER5_TESTS) with the 5.28 driver.  make pytest-matrix-full runs the whole
# cross product (about 20 minutes more); tests marked own_release_lines cover both lines themselves and run once.
MATRIX_VERSION ?= 2026.07.0
MATRIX_WORKERS ?= 2
PYTEST_WORKERS ?= 2
# make test leaves out the long rounds (pytest marker heavy; make test-heavy runs them) and the full reliability
# suites (marker reliability; make reliability runs them, make test their short variants).
PYTEST_MARKERS ?= not heavy and not reliability
# The slowest tests of each pass are listed at its end: where make test's time goes (it is over its 20-minute target).
PYTEST_DURATIONS ?= --durations=25
CALVER_TESTS := $(addprefix tests/integration/,test_neo4j_database.py test_neo4j_alias.py test_neo4j_user.py \
	test_neo4j_role.py test_neo4j_server.py test_neo4j_query.py test_neo4j_info.py test_neo4j_access.py \
	test_neo4j_arrow_load_cluster.py test_blue_green.py test_alias_races.py test_connection_errors.py)
# test_connection_errors.py is in it: the 5.x driver reports a failed routing table fetch without its cause, the
# case its TLS test covers.
DRIVER5_TESTS := $(addprefix tests/integration/,test_neo4j_query.py test_neo4j_info.py test_connection_errors.py) \
	tests/integration/test_harness.py::test_module_interpreter_is_the_venv_python
# Every module's integration tests (the roles' tests, also named test_neo4j_<role>.py, leave the driver alone).
MODULE_TESTS := $(filter-out $(addprefix tests/integration/,test_neo4j_cluster.py test_neo4j_image.py \
	test_neo4j_backup_server.py),$(sort $(wildcard tests/integration/test_neo4j_*.py))) \
	tests/integration/test_harness.py::test_module_interpreter_is_the_venv_python
BENCH_ARGS ?=
LINT_DIR := tests/lint
LINT_STAMP := $(if $(wildcard $(LINT_DIR)/package.json),$(LINT_DIR)/node_modules/.graphops-stamp)

.PHONY: help venv demo test sanity lint pytest pytest-matrix pytest-calver pytest-driver5 pytest-matrix-full \
	pytest-calver-full pytest-driver5-full test-heavy reliability test-real test-molecule \
	test-molecule-cluster test-molecule-docker \
	collections-path bench build clean

help:
	@echo "make venv       create/update .venv from tests/requirements.txt (and npm deps of tests/lint)"
	@echo "make demo       run playbooks/demo.yml against the cluster simulator"
	@echo "make test       sanity + lint + pytest + pytest-matrix"
	@echo "make sanity     ansible-test sanity --local --python 3.11"
	@echo "make lint       ansible-lint --profile production (offline; config in .ansible-lint)"
	@echo "make pytest     the pytest suite only (PYTEST_ARGS=... to narrow it)"
	@echo "make pytest-matrix  on a simulated $(MATRIX_VERSION): the release-sensitive tests, and the driver-facing ones with driver 5.28"
	@echo "make pytest-matrix-full  on a simulated $(MATRIX_VERSION): the whole integration suite, and every module's tests with driver 5.28"
	@echo "make test-real  integration tests against a real Neo4j (NEO4J_TEST_URI, ...)"
	@echo "make test-molecule  extensions/molecule/default against a real Neo4j (NEO4J_URI, ...)"
	@echo "make test-molecule-cluster  extensions/molecule/cluster: the neo4j_cluster role against the simulator"
	@echo "make test-molecule-docker  extensions/molecule/docker: three real Neo4j containers (needs Docker)"
	@echo "make test-heavy the long rounds marked heavy (20 race rounds, 20 cutovers, fault runs); not part of make test"
	@echo "make reliability  the reliability suites (bad input, security), one table of figures (docs/reliability.md)"
	@echo "make bench      benchmarks under tests/bench/"
	@echo "make build      ansible-galaxy collection build into build/dist"

venv: $(VENV)/.requirements-stamp $(LINT_STAMP) $(DRIVER5_VENV)/.requirements-stamp

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Re-run pip whenever a requirements file changes; pip itself makes repeated runs cheap.
$(VENV)/.requirements-stamp: $(VPY) requirements.txt tests/requirements.txt
	$(VPY) -m pip install --disable-pip-version-check -q -r tests/requirements.txt
	touch $@

# A second, tiny venv with the neo4j 5.28 driver: the simulator must keep serving that driver line too.
$(DRIVER5_VENV)/.requirements-stamp: tests/requirements-driver5.txt
	[ -x $(DRIVER5_VENV)/bin/python ] || $(PYTHON) -m venv $(DRIVER5_VENV)
	$(DRIVER5_VENV)/bin/python -m pip install --disable-pip-version-check -q -r $<
	touch $@

$(VENV)/.sanity-stamp: $(VENV)/.requirements-stamp tools/sanity_requirements.py
	$(VPY) tools/sanity_requirements.py > $(VENV)/sanity-requirements.txt
	if [ -s $(VENV)/sanity-requirements.txt ]; then \
	  $(VPY) -m pip install --disable-pip-version-check -q -r $(VENV)/sanity-requirements.txt; fi
	touch $@

$(LINT_DIR)/node_modules/.graphops-stamp: $(wildcard $(LINT_DIR)/package.json $(LINT_DIR)/package-lock.json)
	cd $(LINT_DIR) && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

$(GET_PIP): tools/get_pip_standin.py
	install -D -m 0644 $< $@

demo: venv $(COLLECTION_LINK)
	$(VPY) tools/run_demo.py --collections $(COLLECTIONS) playbooks/demo.yml

test:
	$(MAKE) --no-print-directory sanity
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory pytest
	$(MAKE) --no-print-directory pytest-matrix

sanity: $(VENV)/.sanity-stamp $(GET_PIP)
	@if compgen -G 'tests/sanity/ignore-*.txt' > /dev/null; then \
	  echo "make sanity: tests/sanity/ignore-*.txt found; fix the findings instead of ignoring them" >&2; exit 1; fi
	root=$$($(VPY) tools/collection_tree.py $(SANITY_ROOT)); \
	cd "$$root" && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ansible-test sanity --local --python 3.11 --color no

# The playbooks and molecule scenarios under the production profile, with no skips (.ansible-lint). Offline:
# the collection has no collection dependencies and Galaxy is not needed.
# --strict: a warning fails too.  The collection is this working tree, found through a symlink, and ansible-lint
# runs with a HOME of its own for the run: a copy of the collection that ansible-lint (ansible-compat) installs
# into ~/.ansible/collections is not refreshed later and would hide modules and roles added since.
lint: venv
	@if [ -e .ansible-lint-ignore ] || grep -qE '^(skip_list|warn_list|ignore_file):' .ansible-lint; then \
	  echo "make lint: skip_list, warn_list or an ignore file found; fix the findings instead of ignoring them" >&2; exit 1; fi
	mkdir -p $(BUILD)/lint-collections/ansible_collections/graphops
	ln -sfn $(CURDIR) $(BUILD)/lint-collections/ansible_collections/graphops/neo4j
	rm -rf $(BUILD)/lint-home && mkdir -p $(BUILD)/lint-home
	HOME="$(CURDIR)/$(BUILD)/lint-home" PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	  ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/$(BUILD)/lint-collections" \
	  $(VENV)/bin/ansible-lint --profile production --offline --strict --nocolor

# Two pytest-xdist workers: the integration tests wait mostly on ansible-playbook processes, so the two
# cores stay busy; PYTEST_WORKERS=0 runs everything in one process.
pytest: venv
	$(VPY) -m pytest -n $(PYTEST_WORKERS) -m "$(PYTEST_MARKERS)" $(PYTEST_DURATIONS) $(PYTEST_ARGS)

pytest-matrix:
	$(MAKE) --no-print-directory pytest-calver
	$(MAKE) --no-print-directory pytest-driver5

# Against a simulated calendar release (Bolt 6.0, system running Cypher 25) with the neo4j 6.x driver.
pytest-calver: venv
	GRAPHOPS_SIM_VERSION=$(MATRIX_VERSION) $(VPY) -m pytest -n $(MATRIX_WORKERS) -m "$(PYTEST_MARKERS)" \
	  $(PYTEST_DURATIONS) $(CALVER_TESTS) $(PYTEST_ARGS)

# The modules on .venv-driver5 (neo4j 5.28, which negotiates Bolt 5.8) against the calendar release.
pytest-driver5: venv
	GRAPHOPS_SIM_VERSION=$(MATRIX_VERSION) GRAPHOPS_MODULE_PYTHON=$(DRIVER5_VENV)/bin/python \
	  $(VPY) -m pytest -n $(MATRIX_WORKERS) -m "$(PYTEST_MARKERS)" $(DRIVER5_TESTS) $(PYTEST_ARGS)

pytest-matrix-full:
	$(MAKE) --no-print-directory pytest-calver-full
	$(MAKE) --no-print-directory pytest-driver5-full

pytest-calver-full: venv
	GRAPHOPS_SIM_VERSION=$(MATRIX_VERSION) $(VPY) -m pytest -n $(MATRIX_WORKERS) \
	  -m "($(PYTEST_MARKERS)) and not own_release_lines" tests/integration $(PYTEST_ARGS)

pytest-driver5-full: venv
	GRAPHOPS_SIM_VERSION=$(MATRIX_VERSION) GRAPHOPS_MODULE_PYTHON=$(DRIVER5_VENV)/bin/python \
	  $(VPY) -m pytest -n $(MATRIX_WORKERS) -m "$(PYTEST_MARKERS)" $(MODULE_TESTS) $(PYTEST_ARGS)

# The long rounds left out of make test (many cutovers under readers, race rounds), on both release lines.
test-heavy: venv
	$(VPY) -m pytest -n $(PYTEST_WORKERS) -m heavy tests/integration $(PYTEST_ARGS) || [ $$? -eq 5 ]
	GRAPHOPS_SIM_VERSION=$(MATRIX_VERSION) $(VPY) -m pytest -n $(MATRIX_WORKERS) -m heavy tests/integration \
	  $(PYTEST_ARGS) || [ $$? -eq 5 ]

# Same integration tests, against the real server named by NEO4J_TEST_URI (see docs/testing.md).
# The reliability suites (issue 14): one pytest session, so the figures of every suite end up in one table (printed
# at the end, written to build/reliability.json).  docs/reliability.md records them.  One suite at a time: two
# pytest-xdist workers took longer (1,329 s against 1,212 s), the suites already run their playbooks side by side.
reliability: venv
	$(VPY) -m pytest -m reliability tests/reliability $(PYTEST_ARGS)

test-real: venv
	@if [ -z "$${NEO4J_TEST_URI:-}" ]; then \
	  echo "make test-real: set NEO4J_TEST_URI (and NEO4J_TEST_USERNAME, NEO4J_TEST_PASSWORD, optionally NEO4J_TEST_ARROW) to a real Neo4j; see docs/testing.md" >&2; \
	  exit 2; fi
	$(VPY) -m pytest tests/integration $(PYTEST_ARGS)

MOLECULE_VERSION := 26.10.0
# The molecule scenario talks to a real cluster only; molecule is installed on first use, not in CI.
test-molecule: venv $(COLLECTION_LINK)
	@if [ -z "$${NEO4J_URI:-}" ]; then \
	  echo "make test-molecule: set NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD to a real Neo4j; see docs/testing.md" >&2; \
	  exit 2; fi
	[ -x $(VENV)/bin/molecule ] || $(VPY) -m pip install --disable-pip-version-check -q molecule==$(MOLECULE_VERSION)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" MOLECULE_PYTHON="$(CURDIR)/$(VPY)" $(VENV)/bin/molecule test -s default

# The neo4j_cluster role against the simulator started from the rendered neo4j.conf files (no Neo4j, no Docker);
# MOLECULE_NEO4J_VERSION=2026.07.0 for a calendar release.
test-molecule-cluster: venv $(COLLECTION_LINK)
	[ -x $(VENV)/bin/molecule ] || $(VPY) -m pip install --disable-pip-version-check -q molecule==$(MOLECULE_VERSION)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" MOLECULE_PYTHON="$(CURDIR)/$(VPY)" $(VENV)/bin/molecule test -s cluster

# Real Neo4j Enterprise containers (extensions/molecule/docker): needs a Docker engine and community.docker, so it is
# skipped, with the reason, where there is no engine (as here and in CI).
DOCKER_SOCKET := $(patsubst unix://%,%,$(or $(DOCKER_HOST),unix:///var/run/docker.sock))
test-molecule-docker: venv $(COLLECTION_LINK)
	@if [ -z "$${DOCKER_HOST:-}" ] && [ ! -S "$(DOCKER_SOCKET)" ]; then \
	  echo "make test-molecule-docker: skipped: no Docker engine (no socket at $(DOCKER_SOCKET), DOCKER_HOST not set)"; \
	elif ! PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/$(COLLECTIONS)" \
	    $(VENV)/bin/ansible-doc -t module community.docker.docker_container > /dev/null 2>&1; then \
	  echo "make test-molecule-docker: install community.docker first:" \
	    "ansible-galaxy collection install -p $(COLLECTIONS) community.docker" >&2; exit 2; \
	else \
	  [ -x $(VENV)/bin/molecule ] || $(VPY) -m pip install --disable-pip-version-check -q molecule==$(MOLECULE_VERSION); \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" MOLECULE_PYTHON="$(CURDIR)/$(VPY)" $(VENV)/bin/molecule test -s docker; \
	fi

collections-path: $(COLLECTION_LINK)
	@echo "ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(COLLECTIONS)"

# Every tests/bench/bench_*.py gets BENCH_ARGS (each ignores the options it does not have), e.g.
# BENCH_ARGS="--rounds 3 --sizes 1000000"; see docs/bench.md.  Each writes its headline figures to
# build/bench/<name>.json; tests/bench/summary_table.py then prints them as one table, each against its goal.
bench: venv
	@shopt -s nullglob; benches=(tests/bench/bench_*.py); \
	if [ $${#benches[@]} -eq 0 ]; then echo "no benchmarks under tests/bench/"; exit 0; fi; \
	rm -f build/bench/*.json; rc=0; \
	for b in "$${benches[@]}"; do echo "== $$b"; PYTHONPATH=tests $(VPY) "$$b" $(BENCH_ARGS) || rc=1; done; \
	PYTHONPATH=tests $(VPY) tests/bench/summary_table.py; exit $$rc

build: venv
	rm -rf $(BUILD)/dist
	$(VENV)/bin/ansible-galaxy collection build --output-path $(BUILD)/dist .
	$(VPY) tools/check_artifact.py $(BUILD)/dist/graphops-neo4j-*.tar.gz

clean:
	rm -rf $(BUILD) tests/output
