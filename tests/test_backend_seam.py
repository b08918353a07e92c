"""The backend seam and the stack: the contract is declared once in `search/`, each backend
meets it and is reached only through the registry, no module outside `search/backends/whoosh/`
imports Whoosh, and no import points back up the stack
(newsearch/ and web/ -> search/ -> index/)."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from search import Engine, SearchRequest
from search.backend import Capabilities, IndexWriter, SearchBackend
from search.backends import (BACKENDS, REGISTRY, capabilities, command_line_options, factory, open_search,
                             open_writer)
from search.results import BadParameterError

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("index", "search", "web", "newsearch")
WHOOSH_PACKAGE = REPO / "search" / "backends" / "whoosh"
# What each layer must not import: the layers above it.
ABOVE = {"index": ("search", "web", "newsearch"), "search": ("web", "newsearch")}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = REPO) -> set[str]:
    """Every module `path` imports, anywhere in it (a function's lazy import too), as absolute
    names: relative imports resolved, and `from a import b` also counted as `a.b` (b may be a
    module: `from search.backends import whoosh`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def product_files(root: Path = REPO) -> list[Path]:
    return [path for folder in PRODUCT for path in sorted((root / folder).rglob("*.py"))]


def seam_offenders(root: Path = REPO) -> list[str]:
    """Product modules importing a backend package (search.backends.<name>) from outside it."""
    backends = sorted(p.name for p in (root / "search" / "backends").iterdir() if (p / "__init__.py").exists())
    offenders = []
    for path in product_files(root):
        inside = module_name(path, root)
        bad = [name for name in imported_modules(path, root) for backend in backends
               if within(name, f"search.backends.{backend}") and not within(inside, f"search.backends.{backend}")]
        offenders += [f"{path.relative_to(root)} imports {name}" for name in outermost(bad)]
    return offenders


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def outermost(names: list[str]) -> list[str]:
    """The names not inside another of them (`from a.b import c` is listed once, as a.b)."""
    return sorted(name for name in set(names) if not any(within(name, other) and name != other for other in names))


def stack_offenders(root: Path = REPO) -> list[str]:
    """Imports that point back up the stack (index/ -> search/, web/, newsearch/; search/ -> web/,
    newsearch/)."""
    offenders = []
    for path in product_files(root):
        layer = path.relative_to(root).parts[0]
        bad = [name for name in imported_modules(path, root) if name.split(".")[0] in ABOVE.get(layer, ())]
        offenders += [f"{path.relative_to(root)} imports {name}" for name in outermost(bad)]
    return offenders


def test_no_backend_package_is_imported_outside_itself():
    """Only the registry reaches a backend, by module path (importlib), so no product module
    outside search/backends/<name>/ imports search.backends.<name>."""
    offenders = seam_offenders()
    assert offenders == [], "a backend imported outside its package (use search.backends' registry):\n" + \
        "\n".join(offenders)


def test_no_import_points_back_up_the_stack():
    offenders = stack_offenders()
    assert offenders == [], "imports pointing back up (newsearch/, web/ -> search/ -> index/):\n" + \
        "\n".join(offenders)


def test_the_checks_find_a_planted_bad_import(tmp_path):
    """The two checks above on a copy of the product with bad imports planted: each is listed."""
    for folder in PRODUCT:
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "data",
                                                                                        "static", "templates"))
    assert seam_offenders(tmp_path) == [] and stack_offenders(tmp_path) == []
    (tmp_path / "web" / "planted.py").write_text("def f():\n    from search.backends.whoosh.store import read_meta\n")
    (tmp_path / "search" / "planted.py").write_text("from search.backends import opensearch\nimport web.views\n")
    (tmp_path / "index" / "planted.py").write_text("from ..search import request\n")
    (tmp_path / "search" / "backends" / "whoosh" / "planted.py").write_text("from . import store\n")
    assert seam_offenders(tmp_path) == ["search/planted.py imports search.backends.opensearch",
                                        "web/planted.py imports search.backends.whoosh.store"]
    assert stack_offenders(tmp_path) == ["index/planted.py imports search", "search/planted.py imports web.views"]


def test_every_backend_package_is_registered_with_its_capabilities():
    packages = sorted(p.name for p in (REPO / "search" / "backends").iterdir() if (p / "__init__.py").exists())
    assert sorted(REGISTRY) == packages and BACKENDS == ("whoosh", "opensearch")
    for name in BACKENDS:
        made = factory(name)
        assert made.name == name and isinstance(made.capabilities, Capabilities)
        assert capabilities(name) is made.capabilities
    assert capabilities("opensearch") == Capabilities(story_field=True, max_results=10_000, rebuild=True)
    assert capabilities("whoosh") == Capabilities(story_field=False, max_results=None, rebuild=False)


def test_options_of_another_backend_are_refused_by_their_flag():
    flags = {"index_dir": "--index-dir", "url": "--opensearch-url"}
    assert command_line_options("whoosh", {"index_dir": "ix", "url": None}, flags) == ("whoosh", {"index_dir": "ix"})
    assert command_line_options("opensearch", {"url": "http://h:1"}, flags) == ("opensearch", {"url": "http://h:1"})
    with pytest.raises(BadParameterError, match="--opensearch-url is the cluster's address for the opensearch "
                                                "backend, not whoosh: .* need --backend opensearch"):
        command_line_options("whoosh", {"url": "http://h:1"}, flags)
    with pytest.raises(BadParameterError, match="--index-dir is a folder for the whoosh backend, not opensearch"):
        command_line_options("opensearch", {"index_dir": "ix"}, flags)


def test_rebuild_needs_the_capability(tmp_path):
    with pytest.raises(BadParameterError, match="--rebuild is for the opensearch backend; whoosh cannot"):
        open_writer("whoosh", index_dir=tmp_path / "ix", rebuild=True)
    with pytest.raises(BadParameterError, match="cannot be split with --part"):
        open_writer("opensearch", rebuild=True, part=(1, 2))


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
        assert writer.capabilities is backend.capabilities is capabilities("whoosh")


def test_both_sides_of_each_backend_declare_its_capabilities():
    """The OpenSearch classes too (no cluster needed to read a class attribute)."""
    from search.backends.opensearch.search import OpenSearchSearch
    from search.backends.opensearch.writer import OpenSearchWriter
    from search.backends.whoosh.search import WhooshSearch
    from search.backends.whoosh.writer import WhooshWriter

    assert OpenSearchSearch.capabilities is OpenSearchWriter.capabilities is capabilities("opensearch")
    assert WhooshSearch.capabilities is WhooshWriter.capabilities is capabilities("whoosh")


def test_an_unknown_backend_is_a_bad_parameter(tmp_path):
    with pytest.raises(BadParameterError, match="unknown backend 'elastic'"):
        Engine(tmp_path, backend="elastic")
