# Two commands do all set-up: `make book` and `make test`.
# The first use creates .venv and installs the project into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check
UV     := uv==0.13.9

.PHONY: book test test-fast lint check schema nbval pdf site screenshots bench lock serve lab clean

$(STAMP): pyproject.toml requirements.lock tests/browser/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# exactly the lock file: every package pinned and checked against its hash
	$(PIP) install --quiet --require-hashes -r requirements.lock
	@# then the project itself (helpers, booktools) in place, without resolving again
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@# axe-core, pinned by the lock file, for the accessibility checks of the browser tests
	@if command -v npm >/dev/null; then cd tests/browser && npm ci --no-audit --no-fund --silent; \
	 else echo "npm not found: browser accessibility tests will skip"; fi
	@touch $@

## book: execute the notebooks whose inputs changed, then build the HTML (warnings are errors)
book: $(STAMP)
	$(BIN)/python -m booktools.build

## test: every test (what CI runs): the fast tier on every core, then the slow
## tier (strict build, notebooks, browser and PDF checks) on two processes, one test
## file at a time each (the book is built and printed once, tests/conftest.py), then
## nbval over every notebook, two at a time (at most 300 s on 2 cores)
test: $(STAMP)
	@status=0; \
	 $(BIN)/python -m pytest -m "not slow" -n auto tests || status=1; \
	 $(BIN)/python -m pytest -m slow -n 2 --dist loadfile --no-loadscope-reorder tests || status=1; \
	 $(BIN)/python -m booktools.rerun --jobs 2 || status=1; \
	 exit $$status

## test-fast: the tests that need no book build and no browser, lint included (at most 20 s on 2 cores)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n auto tests

## lint: ruff over the code and the notebooks (configured in pyproject.toml)
lint: $(STAMP)
	$(BIN)/python -m ruff check .

## check: validate every table, quote and value
check: $(STAMP)
	$(BIN)/python -m helpers check

## schema: write data/datapackage.json from data/schema/ (shared field definitions written once)
schema: $(STAMP)
	$(BIN)/python -m helpers.data.schema

## nbval: re-run every notebook and compare with its stored outputs
nbval: $(STAMP)
	$(BIN)/python -m booktools.rerun --jobs 2

## pdf: print each page (and the whole book) to PDF in book/_build/pdf, figures as static images
pdf: book
	$(BIN)/python -m booktools.browser pdf

## site: the deployable site in book/_build/site: every edition at <version>/ (earlier ones rebuilt
## from the commits book/_editions/ records), its PDFs in <version>/pdf/, latest/ and index.html
site: $(STAMP)
	$(BIN)/python -m booktools.site

## screenshots: desktop and phone screenshots of every page in book/_build/screenshots
screenshots: book
	$(BIN)/python -m booktools.browser screenshots

## serve: serve the built book on http://127.0.0.1:8000
serve:
	@test -f book/_build/html/index.html || $(MAKE) book
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory book/_build/html

## lab: JupyterLab on the book's notebooks, from the pinned environment (settings in book/_lab/:
## glued values shown in the prose, the book's notebooks never saved). Extra options: LAB_ARGS=...
lab: $(STAMP)
	@test -x $(BIN)/jupyter-lab || { echo "JupyterLab is missing from $(VENV): requirements.lock must hold the 'lab' extra (make lock)"; exit 1; }
	JUPYTER_CONFIG_PATH="$(CURDIR)/book/_lab$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS)

## bench: time builds, tests and loads side by side; wall-clock targets live here (see bench/README.md)
bench: $(STAMP)
	$(BIN)/python bench/run.py

## lock: re-resolve pyproject.toml (every extra, and the build backend) into requirements.lock, with hashes
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '$(UV)'
	$(PYTHON) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')" \
	  | .lock-venv/bin/uv pip compile --quiet pyproject.toml - --all-extras --generate-hashes \
	    --python '$(PYTHON)' --custom-compile-command 'make lock' --output-file requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf book/_build book/_static/figures book/_static/data book/_static/vega .pytest_cache
