# Two commands do all set-up: `make book` and `make test`.
# The first use creates .venv and installs the project into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with book/sanitize.cfg -p no:cacheprovider

.PHONY: book test check nbval pdf screenshots bench lock serve lab clean

$(STAMP): pyproject.toml requirements.lock tests/browser/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# the exact versions of the lock file, then the project itself without resolving again
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@# axe-core, pinned by the lock file, for the accessibility checks of the browser tests
	@if command -v npm >/dev/null; then cd tests/browser && npm ci --no-audit --no-fund --silent; \
	 else echo "npm not found: browser accessibility tests will skip"; fi
	@touch $@

## book: execute the notebooks whose inputs changed, then build the HTML (warnings are errors)
book: $(STAMP)
	$(BIN)/python book/_scripts/build.py

## test: data and helpers tests, the strict book build, then nbval over every notebook
test: $(STAMP)
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest $(NBVAL) book/*.ipynb

## check: validate every table, quote and value
check: $(STAMP)
	$(BIN)/python -m helpers check

## nbval: re-run every notebook and compare with its stored outputs
nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) book/*.ipynb

## pdf: print each page (and the whole book) to PDF in book/_build/pdf, figures as static images
pdf: book
	$(BIN)/python book/_scripts/browser.py pdf

## screenshots: desktop and phone screenshots of every page in book/_build/screenshots
screenshots: book
	$(BIN)/python book/_scripts/browser.py screenshots

## serve: serve the built book on http://127.0.0.1:8000
serve:
	@test -f book/_build/html/index.html || $(MAKE) book
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory book/_build/html

## lab: open JupyterLab on the project (installs the optional 'lab' extra)
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[book,dev,lab]'
	$(BIN)/jupyter lab --notebook-dir=. --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root,)

## bench: time builds, tests and loads side by side (see bench/README.md)
bench: $(STAMP)
	$(BIN)/python bench/run.py

## lock: re-resolve the dependencies of pyproject.toml into requirements.lock
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip setuptools
	.lock-venv/bin/python -m pip install --quiet '.[book,dev]'
	{ echo "# The whole environment, pinned: 'make book' and 'make test' install exactly this."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v -e '^xiaomi-ev-briefing' -e '^pip=='; } > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf book/_build book/_static/figures book/_static/data book/_static/vega .pytest_cache
