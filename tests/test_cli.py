"""The `newsearch` command line, run as a real subprocess with NEWSEARCH_INDEX in a temp folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from search.backends.whoosh.locking import RunLock
from search import Engine
from tests.corpus import record, write_jsonl

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
_SCRIPT = Path(sys.executable).parent / "newsearch"
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "newsearch.cli"]
SEED_TITLES = (
    "North Korea confirmed leader Kim Jong Un’s second summit",
    "North Korea's will soon make an official visit to Vietnam",
)


def newsearch(*args: str, index_dir: Path | None = None, env: dict | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the command line; the index is the folder `index_dir`, or what `env` names (a
    contract-suite index on any backend, see `IndexMaker.env`)."""
    where = env if env is not None else {"NEWSEARCH_BACKEND": "whoosh", "NEWSEARCH_INDEX": str(index_dir)}
    env = dict(os.environ, NO_COLOR="1", **where)
    return subprocess.run([*COMMAND, *map(str, args)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsearch:")
    return lines[0]


@pytest.fixture(scope="module")
def seeded(backend_indexes):
    """The seeds indexed once through the CLI, with entity recognition, on each backend."""
    env = backend_indexes.env("cli-seeds")
    result = newsearch("index", SEEDS, env=env)
    assert result.returncode == 0, result.stderr
    return {"env": env, "index": result, "engine": backend_indexes.engine("cli-seeds")}


def test_index_prints_a_summary(seeded):
    out = seeded["index"].stdout
    for word in ("added 2", "updated 0", "unchanged 0", "failed 0", "elapsed", "docs/s"):
        assert word in out, out
    again = newsearch("index", SEEDS, env=seeded["env"])
    assert again.returncode == 0
    assert "added 0" in again.stdout and "unchanged 2" in again.stdout


def test_index_reports_bad_files_exits_0_and_writes_errors(tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "good.jsonl", [record("g", "Good", "A good article about lighthouses.", "2020-01-01")])
    (data / "bad.jsonl").write_text('{"title": "broken"\n', "utf-8")
    (data / "empty.txt").write_text("", "utf-8")
    errors = tmp_path / "errors.jsonl"
    result = newsearch("index", data, "--no-entities", "--errors", errors, index_dir=tmp_path / "ix")
    assert result.returncode == 0, result.stderr
    assert "added 1" in result.stdout and "failed 2" in result.stdout
    assert "bad.jsonl:line 1" in result.stdout  # problems listed in the summary
    problems = [json.loads(line) for line in errors.read_text("utf-8").splitlines()]
    assert {Path(p["path"]).name for p in problems} == {"bad.jsonl", "empty.txt"}
    assert all(p["reason"] for p in problems)
    assert next(p for p in problems if p["path"].endswith("bad.jsonl"))["location"] == "line 1"


def test_index_field_map_and_format(tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "feed.log", [{"headline": "Odd names", "blurb": "The blurb holds the okapi story.",
                                     "when": "2021-07-08"}])
    result = newsearch("index", data / "feed.log", "--no-entities", "--format", "json",
                       "--field-map", "body=blurb", "date=when", index_dir=tmp_path / "ix")
    assert result.returncode == 0 and "added 1" in result.stdout, (result.stdout, result.stderr)
    [hit] = Engine(tmp_path / "ix").search("okapi").hits
    assert hit.title == "Odd names" and hit.date.date().isoformat() == "2021-07-08"
    bad = newsearch("index", data, "--field-map", "nonsense", index_dir=tmp_path / "ix")
    assert_one_line_error(bad, 2)


def test_index_dir_option_overrides_environment(tmp_path):
    result = newsearch("index", SEEDS, "--no-entities", "--index-dir", tmp_path / "other",
                       index_dir=tmp_path / "env")
    assert result.returncode == 0
    assert (tmp_path / "other" / "newsearch.json").exists() and not (tmp_path / "env").exists()


def test_search_human_output(seeded):
    result = newsearch("search", "Kim Hanoi", env=seeded["env"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 results")
    for title in SEED_TITLES:
        assert title in result.stdout
    assert "*Kim*" in result.stdout  # matches marked for a terminal, no HTML
    assert "<mark>" not in result.stdout


def test_search_json_matches_the_python_api(seeded):
    result = newsearch("search", "Kim Hanoi", "--json", env=seeded["env"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    api = seeded["engine"].search("Kim Hanoi")
    assert [h["id"] for h in data["hits"]] == [h.id for h in api.hits]
    assert data["total"] == api.total == 2
    assert data["facets"]["dates"]["buckets"][0]["label"] == "2019-02-23"


def test_search_filters_and_sort(seeded):
    result = newsearch("search", "summit", "--person", "kim jong un", "--from", "2019-02",
                       "--to", "2019-02-23", "--sort", "newest", "--json", env=seeded["env"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # Both seeds: seed 000 says only "Kim", resolved to Kim Jong Un through seed 002 (issue 12).
    assert data["total"] == 2 and all("Kim Jong Un" in h["entities"]["person"] for h in data["hits"])


@pytest.mark.parametrize("args", [
    ("search", "author:smith"),
    ("search", "date:[2019-13-45 TO 2019-14-01]"),
    ("search", "x " * 1200),
    ("search", "kim", "--page-size", "500"),
    ("search", "kim", "--page", "0"),
    ("search", "kim", "--from", "2019-13"),
    ("search", "kim", "--from", "2020", "--to", "2019"),
])
def test_bad_query_or_parameter_exits_2_with_one_line(seeded, args):
    line = assert_one_line_error(newsearch(*args, env=seeded["env"]), 2)
    if "author:" in args[1]:
        assert "author" in line


def test_missing_index_exits_1(tmp_path):
    for args in (("search", "kim"), ("stats",), ("entities",)):
        line = assert_one_line_error(newsearch(*args, index_dir=tmp_path / "nothing"), 1)
        assert "no newsearch index" in line and "newsearch index" in line


def test_locked_index_exits_1(tmp_path):
    ix = tmp_path / "ix"
    with RunLock(ix, timeout=1):
        result = newsearch("index", SEEDS, "--no-entities", "--lock-timeout", "1", index_dir=ix)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "--lock-timeout" in result.stderr


def test_stats_json(seeded):
    result = newsearch("stats", "--json", env=seeded["env"])
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["documents"] == 2 and stats["undated"] == 0
    assert stats["date_from"].startswith("2019-02-23")
    human = newsearch("stats", env=seeded["env"])
    assert "documents: 2" in human.stdout


def test_entities_lists_people(seeded):
    result = newsearch("entities", "--type", "person", env=seeded["env"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("person:")
    assert "Kim Jong Un" in result.stdout and "Donald Trump" in result.stdout
    assert "org:" not in result.stdout and "place:" not in result.stdout
    data = json.loads(newsearch("entities", "--type", "place", "--top", "3", "--json",
                                env=seeded["env"]).stdout)
    assert list(data) == ["place"] and len(data["place"]) == 3
    assert all(row["count"] == 2 for row in data["place"])  # places in both seeds, alphabetical on ties
    assert [row["value"] for row in data["place"]] == sorted(row["value"] for row in data["place"])


def test_user_alias_file_extends_the_table_at_index_and_search_time(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [record("a1", "Talks in Hanoi", "Officials met in Hanoi.", place=["Viet Nam"])])
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("place\tViet Nam\tVietnam\nplace\tSocialist Republic\tVietnam\n", encoding="utf-8")
    ix = tmp_path / "ix"
    result = newsearch("index", data, "--no-entities", "--aliases", aliases, index_dir=ix)
    assert result.returncode == 0, result.stderr
    engine = Engine(ix)
    assert [v.value for v in engine.search("").facets.place] == ["Vietnam"]
    assert engine.search("", place="socialist republic").total == 1   # the user's alias, at search time
    missing = newsearch("index", data, "--aliases", tmp_path / "nope.tsv", index_dir=ix)
    assert "--aliases" in assert_one_line_error(missing, 2)


# ---- backends and parts ----------------------------------------------------------------------

@pytest.mark.parametrize("args, says", [
    (("search", "oil", "--opensearch-url", "http://127.0.0.1:1"), "need --backend opensearch"),
    (("stats", "--backend", "opensearch", "--index-dir", "x"), "--index-dir is a folder for the whoosh backend"),
    (("index", "seeds", "--part", "3/2"), "K must be between 1 and N"),
    (("index", "seeds", "--part", "half"), "--part takes K/N"),
])
def test_backend_and_part_options_are_checked(tmp_path, args, says):
    line = assert_one_line_error(newsearch(*args, index_dir=tmp_path / "ix"), 2)
    assert says in line


def test_parts_split_a_collection_disjointly_and_completely(tmp_path):
    """`--part K/N` runs (as N machines would run them) index every article exactly once."""
    data = tmp_path / "data"
    for n in range(8):
        write_jsonl(data / f"f{n}.jsonl", [record(f"p{n}-{i}", f"Title {n} {i}", "Oil prices rose.") for i in range(2)])
    for k in (1, 2, 3):
        result = newsearch("index", data, "--no-entities", "--part", f"{k}/3", index_dir=tmp_path / f"ix{k}")
        assert result.returncode == 0, result.stderr
    counts = [Engine(tmp_path / f"ix{k}").search("").total for k in (1, 2, 3)]
    assert sum(counts) == 16 and all(c % 2 == 0 for c in counts)
    whole = newsearch("index", data, "--no-entities", "--part", "1/3", index_dir=tmp_path / "ix1")
    assert "unchanged" in whole.stdout and Engine(tmp_path / "ix1").search("").total == counts[0]


def test_an_unreachable_cluster_is_a_clear_message_not_a_traceback(tmp_path):
    env = {"NEWSEARCH_BACKEND": "opensearch", "NEWSEARCH_OPENSEARCH_URL": "http://127.0.0.1:1"}
    result = newsearch("search", "oil", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "did not answer" in result.stderr.splitlines()[-1]
    bad = newsearch("search", "oil", env={**env, "NEWSEARCH_OPENSEARCH_TIMEOUT": "abc"})
    line = assert_one_line_error(bad, 2)
    assert "NEWSEARCH_OPENSEARCH_TIMEOUT" in line and "'abc'" in line


# ---- languages (issue 21): --language, the language of each result, stats, exports -------------

@pytest.fixture(scope="module")
def multilingual(backend_indexes, tmp_path_factory):
    """News paragraphs in eight languages (tests/languages_sample.py), indexed through the CLI."""
    from tests.languages_sample import write_sample

    env = backend_indexes.env("cli-languages")
    result = newsearch("index", write_sample(tmp_path_factory.mktemp("cli-languages")), "--no-entities", env=env)
    assert result.returncode == 0, result.stderr
    return env


def test_search_by_language(multilingual):
    from tests.languages_sample import ARTICLES

    german = sorted(a["url"] for a in ARTICLES if a["language"] == "de")
    for value in ("de", "German", "DE"):
        result = newsearch("search", "--language", value, "--json", env=multilingual)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert sorted(h["url"] for h in data["hits"]) == german and {h["language"] for h in data["hits"]} == {"de"}
    either = json.loads(newsearch("search", "language:de OR language:fr", "--json", env=multilingual).stdout)
    assert either["total"] == 3
    both = json.loads(newsearch("search", "--language", "de", "--language", "fr", "--json", env=multilingual).stdout)
    assert both["total"] == 0  # all must apply, and an article has one language
    # the text output names each result's language when the results mix languages
    text = newsearch("search", "language:ja OR language:ru", env=multilingual).stdout
    assert "2024-03-29 · NHK · ja · https://news.example.jp/sakura" in text and " · ru · " in text
    alone = newsearch("search", "--language", "ja", env=multilingual).stdout
    assert "2024-03-29 · NHK · https://news.example.jp/sakura" in alone


def test_a_bad_language_exits_2_naming_the_option(multilingual):
    line = assert_one_line_error(newsearch("search", "--language", "Klingon", env=multilingual), 2)
    assert line.startswith("newsearch: --language: 'Klingon' is not a known language")


def test_stats_list_languages(multilingual):
    from tests.languages_sample import COUNTS

    stats = json.loads(newsearch("stats", "--json", env=multilingual).stdout)
    assert stats["languages"] == COUNTS and set(stats["recognition_by_language"]) == set(COUNTS)
    assert "names:" not in newsearch("stats", env=multilingual).stdout  # none recognised: said once, above
    human = newsearch("stats", env=multilingual).stdout
    assert "languages: 8\n" in human
    lines = [line.split() for line in human.splitlines() if line.startswith("  ")]
    assert [line[:3] for line in lines[:3]] == [["de", "German", "2"], ["en", "English", "2"], ["ar", "Arabic", "1"]]
    assert "top language" not in human  # listed whole, once


def test_trends_take_the_language_of_every_series(multilingual):
    both = "language:de OR language:en"
    wide = json.loads(newsearch("trends", both, "--json", env=multilingual).stdout)
    narrow = json.loads(newsearch("trends", both, "--language", "de", "--json", env=multilingual).stdout)
    assert [s["total"] for s in wide["series"]] == [4] and [s["total"] for s in narrow["series"]] == [2]


def test_export_has_the_language_column(multilingual):
    import csv
    import io

    result = newsearch("search", "--language", "zh", "--format", "csv", "--all", env=multilingual)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["language"], row["source"]) for row in rows] == [("zh", "新华社")]
    lines = newsearch("search", "--format", "jsonl", "--all", env=multilingual).stdout.splitlines()
    assert sorted(json.loads(line)["language"] for line in lines) == ["ar", "de", "de", "en", "en", "es", "fr", "ja",
                                                                       "ru", "zh"]
