# Quick start: `make demo` and `make test` need only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo-vault

.PHONY: demo test bench bench-quick compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Byte-compile the package (an editable install does not), so every command starts fast.
compile: $(VENV)/.installed
	@$(BIN)/python -m compileall -q vaulttool

demo: compile
	rm -rf $(DEMO)
	mkdir -p build
	cp -R example-vault $(DEMO)
	@# one fixed, past date for every demo file (a clone gives them the time of the checkout), so that
	@# clips without a date of their own sort the same in every demo
	find $(DEMO) -exec touch -h -d 2025-04-20T12:00:00 {} +
	rm -rf $(DEMO)/.vaulttool
	@# exit 1 means "some files were left alone": the example vault holds a deliberately broken note
	$(BIN)/vaulttool --vault $(DEMO) reindex || [ $$? -eq 1 ]
	@echo
	@echo "(The failed line above is expected: example-vault/Broken/ holds a note with broken front matter,"
	@echo " which vaulttool names and leaves untouched.)"
	@echo
	@echo "Tags in the demo vault:"
	$(BIN)/vaulttool --vault $(DEMO) tags
	@echo
	@echo "The demo vault is in $(DEMO); open it in Obsidian or read $(DEMO)/_index/Index.md"

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: compile
	$(BIN)/python -m benchmarks

bench-quick: compile
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf build $(VENV) *.egg-info
