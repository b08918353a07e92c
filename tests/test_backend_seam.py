"""The backend seam: the contract is declared once in `search/`, the Whoosh backend meets it,
and no module outside `search/backends/whoosh/` imports Whoosh."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from search import Engine, SearchRequest
from search.backend import IndexWriter, SearchBackend
from search.backends import BACKENDS, open_search, open_writer
from search.results import BadParameterError

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("index", "search", "web", "newsearch")
WHOOSH_PACKAGE = REPO / "search" / "backends" / "whoosh"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    return names


def test_no_whoosh_import_outside_the_whoosh_backend():
    offenders = []
    for folder in PRODUCT:
        for path in sorted((REPO / folder).rglob("*.py")):
            if WHOOSH_PACKAGE in path.parents:
                continue
            if any(name == "whoosh" or name.startswith("whoosh.") for name in imported_modules(path)):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == [], f"Whoosh imported outside search/backends/whoosh/: {offenders}"


def test_private_whoosh_names_only_in_internals():
    """Every `from whoosh... import _private` sits in internals.py, which checks the version."""
    offenders = []
    for path in sorted(WHOOSH_PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private and path.name != "internals.py":
                    offenders.append(f"{path.name}: {private}")
    assert offenders == []


def test_the_whoosh_version_is_checked_on_import():
    import whoosh

    from search.backends.whoosh.internals import check_version

    check_version(whoosh.__version__)  # the installed, pinned one: accepted
    with pytest.raises(ImportError, match="whoosh-reloaded 2.7.5"):
        check_version((2, 7, 4))
    source = (WHOOSH_PACKAGE / "internals.py").read_text(encoding="utf-8")
    assert source.index("check_version(whoosh.__version__)") < source.index("_original_cached_reader =")


def test_the_command_line_does_not_live_in_search():
    """search/ is the API: the command line (which also serves the web app) lives above both."""
    for path in sorted((REPO / "search").rglob("*.py")):
        assert not any(name == "web" or name.startswith("web.") or name.startswith("newsearch")
                       for name in imported_modules(path)), path


def test_the_whoosh_backend_meets_the_contract(tmp_path):
    from newsearch.indexing import index_paths

    assert BACKENDS == ("whoosh", "opensearch")
    index_paths([REPO / "seeds"], tmp_path / "ix", entities=False, show_progress=False)
    backend = open_search("whoosh", index_dir=tmp_path / "ix")
    assert isinstance(backend, SearchBackend) and backend.name == "whoosh"
    assert isinstance(Engine(tmp_path / "ix").backend, SearchBackend)
    results = backend.run(SearchRequest.build("Kim Hanoi", page_size=1))
    assert results.total == 2 and len(results.hits) == 1
    with open_writer("whoosh", index_dir=tmp_path / "ix") as writer:
        assert isinstance(writer, IndexWriter)
        assert writer.file_articles("no such key") == 0


def test_an_unknown_backend_is_a_bad_parameter(tmp_path):
    with pytest.raises(BadParameterError, match="unknown backend 'elastic'"):
        Engine(tmp_path, backend="elastic")
