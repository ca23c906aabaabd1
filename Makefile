# conflict-narratives — the two commands that matter: `make report` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CORPUS ?= ant-multisource
STAMP := $(VENV)/.installed

.PHONY: setup test report bench lab lock clean help browser

help:
	@echo "make setup   build .venv (CPU torch first, then the project, pinned by constraints.txt)"
	@echo "make report  set up if needed, then run the pipeline on CORPUS=$(CORPUS)"
	@echo "make test    run the test suite"
	@echo "make bench   speed / memory / quality benchmarks -> reports/benchmarks/"
	@echo "make lab     JupyterLab with the project's kernel"
	@echo "make browser the system Chromium the browser tests drive (Debian package)"

setup: $(STAMP)

# torch first, pinned to the CPU build: an unpinned torch (pulled in by sentence-transformers)
# resolves to a multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name conflict-narratives \
		--display-name "Python (conflict-narratives)" >/dev/null
	$(PY) -c "from conflict_narratives.topics.products import warm_jit; warm_jit()"
	touch $(STAMP)

# The browser tests (tests/test_explore_browser.py) drive the Debian Chromium through
# Playwright; no Playwright browser is ever downloaded. Without root or apt they skip.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "no Chromium could be installed: the browser tests will skip"

test: $(STAMP) browser
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -n 2 --dist loadgroup

report: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/conflict-narratives -v report $(CORPUS)

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m bench

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

# Re-pin after changing dependencies: writes the versions installed in .venv.
lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
