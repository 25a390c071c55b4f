# Liangzhi Lab — two commands: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The virtualenv is built from an interpreter every Unix user can read (a system Python),
# because student servers and grading jobs run as their own unprivileged users.
PYTHON ?= $(shell for p in /usr/bin/python3.11 /usr/bin/python3 python3.12 python3.11 python3; do \
  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help venv prepare demo test test-fast test-loaded bench lock lint typecheck messages clean prove-images

help:
	@echo "make demo   install, prepare the embedded defaults, load the demo, start everything"
	@echo "make test   the same set-up, then the whole test suite"
	@echo "make bench [BENCH=group]   run the benchmarks"

$(STAMP): requirements.lock package.json package-lock.json
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer with venv is required (apt-get install python3-venv)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel
	# torch first and alone, so that pip takes the CPU build (see STACK-NOTES); then the lock.
	$(BIN)/python -m pip install --quiet "$$(grep '^torch==' requirements.lock)"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip check
	# Kernel-side helper packages (liangzhi_checks) on the venv's path, for kernels and sandboxes alike.
	echo "$(CURDIR)/grading/kernel_lib" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/liangzhi-kernel-lib.pth"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

venv: $(STAMP)

prepare: venv
	@mkdir -p var/static
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) load_district
	$(MANAGE) load_competitions

demo: prepare
	@echo ""
	@echo "  Liangzhi Lab (量智 Lab) is starting: open http://127.0.0.1:8000  (not localhost:8000)"
	@echo "  JupyterHub (labs) answers at http://localhost:8001 -- another host name, so no cookie is shared"
	@echo "  Demo logins (password for all: quantum-demo):"
	@echo "    teacher            the teacher of every demo course"
	@echo "    alice, bob, charlie  students"
	@echo "    admin              site administrator (/admin/)"
	@echo "    harbour-admin      district admin of Harbour District 海港区 (Schools in the menu)"
	@echo "    harbour-no1-admin  a school's admin;  hb1-thb1  its teacher;  hb1-2026101  a student"
	@echo "  Ctrl-C stops every process."
	@echo ""
	@$(BIN)/python -m honcho -f Procfile start

test: prepare
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

# The tests whose set-up waits on real processes (a grading worker and its warm pool, labs through a
# real hub, the start queue, course import verification in the sandbox, the job sweep, `make demo`'s
# set-up, the production web server), run again beside a load generator: 4 busy processes per core,
# a load average of about 10 on 2 cores, as a school server at the start of a lesson (issue 14).
LOADED_TESTS ?= tests/grading/test_e2e_submit.py tests/grading/test_tasks.py tests/grading/test_pool.py \
  tests/sandbox/test_lab_flow.py tests/sandbox/test_kernel.py tests/sandbox/test_prepare_labs.py \
  tests/sandbox/test_failures.py tests/sandbox/test_admission.py tests/courses/test_verify.py \
  tests/core/test_jobs.py tests/core/test_demo.py tests/deploy/test_web_server.py
test-loaded: prepare
	$(BIN)/python benchmarks/_loadgen.py -- $(BIN)/python -m pytest -p no:cacheprovider $(LOADED_TESTS) $(PYTEST_ARGS)

bench: venv
	$(BIN)/python benchmarks/run.py $(BENCH)

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

messages: venv
	$(MANAGE) makemessages -l zh_Hans --no-location -e html,py,txt --ignore=.venv --ignore=node_modules --ignore=content \
	  --ignore=var --ignore=tests --ignore=benchmarks --ignore="platform/static/*" --ignore=test-output
	$(MANAGE) compilemessages -l zh_Hans --ignore=.venv --ignore=node_modules

# Re-pin every dependency from requirements.in (run after changing it; commit both files).
lock: venv
	$(BIN)/python -m pip install --quiet -r requirements.in
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu/torch==\1/' > requirements.lock
	$(BIN)/python deploy/images/runtime_lock.py  # the images' lock: the same pins, without the test tools

# Run every RUN step of every production Dockerfile, in order, in a clean Debian bookworm root
# filesystem (deploy/images/prove.py; root, debootstrap). The base, the runtime lock's wheelhouse, apt's
# archives and the layer cache live in /var/cache/liangzhi/prove (PROVE_CACHE_DIR), outside the checkout,
# so the next proof on this machine (CI's clean clone too) re-runs only the steps whose history changed,
# as `docker build` does; PROVE_ARGS=--no-cache runs every step. Each proof ends with its timing table.
PROVE_ARGS ?=
prove-images: venv
	@command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
	$(BIN)/python deploy/images/runtime_lock.py --check
	$(BIN)/python deploy/images/prove.py deploy/images/site.Dockerfile --target hub $(PROVE_ARGS)
	$(BIN)/python deploy/images/prove.py deploy/images/singleuser.Dockerfile $(PROVE_ARGS)
	$(BIN)/python deploy/images/prove.py deploy/images/k8s-hub.Dockerfile $(PROVE_ARGS)

clean:
	rm -rf var/ test-output/

# --- sandbox (练): JupyterHub beside the site (owned by the sandbox work) ---------------------
# hub_setup registers the hub as the site's OAuth client and writes var/hub/secrets.json (0600);
# the Procfile's `hub:` process then starts JupyterHub + configurable-http-proxy, public at http://localhost:8001
# (listening on loopback): another host name than the site's 127.0.0.1, so the site's cookies never reach a lab.
.PHONY: hub-setup
hub-setup: prepare
	$(MANAGE) hub_setup
demo: hub-setup
