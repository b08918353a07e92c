"""The researcher's memory on the command line (issue 22): `newsearch save/saved/tag/tags/
collection/collections/export-state/import-state/account/token`, over Reuters records, on both
backends (the command names the index with --index-dir, or --backend opensearch and the alias)."""
from __future__ import annotations

import csv
import io
import json

import pytest

from newsearch.cli import main
from search.memory import accounts, saved

from tests.test_saved_searches import Archive, _reuters_records, forget


@pytest.fixture(scope="module")
def base(backend_indexes):
    archive = Archive.build(backend_indexes, "memcli", {"a.jsonl": [
        dict(r, source="Wire A" if i % 2 else "Wire B") for i, r in enumerate(_reuters_records(300))]})
    yield archive
    archive.close()


@pytest.fixture
def index(base):
    """The module's index (Archive); its store emptied after the test."""
    yield base
    forget(base.store)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_save_list_open_export_and_delete(index, capsys):
    where = index.where
    code, out, _ = _run(capsys, "save", "Oil, 1987", "oil", "--source", "Wire A", "--sort", "newest", "--as", "ana", *where)
    assert code == 0 and "saved “Oil, 1987”" in out and "source: Wire A" in out
    code, out, _ = _run(capsys, "saved", *where)
    assert code == 0 and "Oil, 1987" in out and "by ana" in out
    code, out, _ = _run(capsys, "saved", "Oil, 1987", *where)
    assert code == 0 and "0 new articles match since" in out and "0 of the saved articles are no longer" in out
    code, out, _ = _run(capsys, "saved", "Oil, 1987", "--export", "csv", *where)
    store = index.store
    assert [row["id"] for row in csv.DictReader(io.StringIO(out))] == list(saved.frozen_ids(store, "Oil, 1987"))
    code, _, err = _run(capsys, "save", "Oil, 1987", "gold", *where)
    assert code == 2 and "a saved search named 'Oil, 1987' exists" in err
    code, _, err = _run(capsys, "saved", "nothing", *where)
    assert code == 2 and "no saved search named 'nothing'" in err
    assert _run(capsys, "saved", "Oil, 1987", "--delete", *where)[0] == 0
    assert saved.saved_searches(store) == []


def test_tags_collections_and_the_state_file(index, tmp_path, capsys):
    where = index.where
    code, out, _ = _run(capsys, "tag", "grain", "wheat OR corn", "--reapply", *where)
    assert code == 0 and "re-applied to new articles" in out
    code, out, _ = _run(capsys, "tags", "--json", *where)
    listed = json.loads(out)
    assert listed[0]["tag"] == "grain" and listed[0]["articles"] > 3
    code, out, _ = _run(capsys, "tags", "grain", *where)
    first = out.split()[0]
    assert _run(capsys, "tag", "grain", "--id", first, "--remove", *where)[0] == 0
    assert first not in _run(capsys, "tags", "grain", *where)[1].split()
    code, _, err = _run(capsys, "tag", "grain", "oil", "--id", first, *where)
    assert code == 2 and "not both" in err
    code, out, _ = _run(capsys, "collection", "wires", "Wire A", *where)
    assert code == 0 and 'collection:"wires"' in out
    code, out, _ = _run(capsys, "collections", "--json", *where)
    (collection,) = json.loads(out)
    assert collection["sources"] == ["Wire A"] and collection["articles"] == 150
    state = tmp_path / "state.jsonl"
    assert _run(capsys, "export-state", str(state), *where)[0] == 0
    other = Archive.build(index.maker, "memcli-other", {"x.jsonl": _reuters_records(20)})
    code, out, _ = _run(capsys, "import-state", str(state), *other.where)
    other.close()
    assert code == 0 and "1 collection" in out and "1 tag_rule" in out
    code, _, err = _run(capsys, "import-state", str(tmp_path / "missing.jsonl"), *where)
    assert code == 2 and "no such file" in err


def test_accounts_and_tokens_are_managed_from_the_command_line(index, capsys, monkeypatch):
    where = index.where
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert _run(capsys, "account", "add", "ana", "--password-stdin", *where)[0] == 0
    store = index.store
    assert accounts.check_password(store, "ana", "a long enough password") == "ana"
    code, out, _ = _run(capsys, "token", "add", "ana", "--label", "script", *where)
    assert code == 0 and accounts.token_account(store, out.strip()) == "ana"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = _run(capsys, "account", "add", "ben", "--password-stdin", *where)
    assert code == 2 and "at least" in err
    assert _run(capsys, "token", "revoke", "ana", *where)[1].startswith("revoked 1")
    assert accounts.token_account(store, out.strip()) is None


def test_an_index_run_reapplies_the_rules_kept_with_reapply(backend_indexes, capsys):
    """`newsearch index` ends by running the tag rules kept with --reapply over what it added;
    a rule applied once stays as it was."""
    from search.memory import tags

    archive = Archive.build(backend_indexes, "memcli-reapply", {"a.jsonl": _reuters_records(200)})
    try:
        where = archive.where
        assert _run(capsys, "tag", "grain", "wheat OR corn", "--reapply", *where)[0] == 0
        assert _run(capsys, "tag", "grain once", "wheat OR corn", *where)[0] == 0
        before = dict(tags.tags(archive.store))
        (archive.source / "b.jsonl").write_text(
            "\n".join(json.dumps(r) for r in _reuters_records(300, skip=200)) + "\n")
        code, out, _ = _run(capsys, "index", str(archive.source), *where, "--no-entities")
        assert code == 0
        now = dict(tags.tags(archive.store))
        assert now["grain"] > before["grain"] and now["grain once"] == before["grain once"]
        assert f"tag rule: {now['grain'] - before['grain']:,} new articles tagged “grain”" in out
    finally:
        archive.close()
