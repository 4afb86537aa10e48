# Two commands do all set-up: `make book` and `make test`.
# The first use creates .venv and installs the project into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: book test check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,dev]'
	@touch $@

## book: build the published HTML (for now: check the data the book is built on)
book: $(STAMP)
	$(BIN)/python -m helpers check

## test: run every test
test: $(STAMP)
	$(BIN)/python -m pytest

## check: validate every table, quote and value
check: $(STAMP)
	$(BIN)/python -m helpers check

clean:
	rm -rf book/_build .pytest_cache
