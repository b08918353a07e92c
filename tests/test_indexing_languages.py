"""Languages at indexing (newsearch/indexing.py, issue 21): every indexed article gets an ISO 639-1
code or "und", from its text with the source's declaration as a hint, before entity recognition
and the writer; the run's summary lists the languages with counts. Real news paragraphs in 19
languages (tests/data/languages/news.tsv) and real Reuters-style English copy."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import newsearch.indexing as indexing
from index.article import Article
from index.progress import Progress
from newsearch.indexing import IndexSummary, index_paths
from search import Engine

from tests.test_language import BY_LANGUAGE, PARAGRAPHS, SERBO_CROATIAN

# Real copy, each long enough to be detected on its own (news.tsv's first paragraph per language).
GERMAN, FRENCH, ENGLISH = BY_LANGUAGE["de"][0], BY_LANGUAGE["fr"][0], BY_LANGUAGE["en"][0]


def write_records(folder: Path, name: str, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def index(tmp_path: Path, *sources: Path) -> tuple[IndexSummary, Engine]:
    summary = index_paths(list(sources), tmp_path / "ix", entities=False, show_progress=False)
    return summary, Engine(tmp_path / "ix")


def languages_of(engine: Engine, ids: list[str]) -> dict[str, str | None]:
    return {record.id: record.language for record in engine.articles(ids)}


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory):
    """Every paragraph of news.tsv as its own record, undeclared, its first sentence the title."""
    tmp = tmp_path_factory.mktemp("multilingual")
    records = [{"url": f"https://news.example/{code}/{i}", "title": text.split(". ")[0][:120], "body": text}
               for i, (code, text) in enumerate(PARAGRAPHS)]
    summary, engine = index(tmp, write_records(tmp / "in", "news.jsonl", records))
    return summary, engine, records


def test_every_article_is_indexed_with_its_detected_language(multilingual):
    summary, engine, records = multilingual
    assert {"de", "fr", "es", "ru", "ar", "zh", "ja", "en"} <= {code for code, _ in PARAGRAPHS}
    stored = languages_of(engine, [record["url"] for record in records])
    assert len(stored) == len(PARAGRAPHS) == summary.added
    for record, (code, _) in zip(records, PARAGRAPHS):
        got = stored[record["url"]]
        assert got in SERBO_CROATIAN if code in SERBO_CROATIAN else got == code, (code, got)


def test_the_summary_lists_languages_with_counts(multilingual):
    summary, _, _ = multilingual
    expected: dict[str, int] = {}
    for code, _ in PARAGRAPHS:
        expected[code] = expected.get(code, 0) + 1
    merged = {code: count for code, count in expected.items() if code not in SERBO_CROATIAN}
    got = {code: count for code, count in summary.languages.items() if code not in SERBO_CROATIAN}
    assert got == merged
    assert sum(summary.languages.values()) == summary.added
    line = next(line for line in summary.format().splitlines() if line.startswith("languages: "))
    # Most articles first; each "code count".
    counts = [int(part.split()[1]) for part in line.removeprefix("languages: ").split(", ")]
    assert counts == sorted(counts, reverse=True) and sum(counts) == summary.added
    assert summary.to_dict()["languages"] == summary.languages
    assert summary.language_seconds > 0


def test_the_language_facet_counts_what_detection_found(multilingual):
    summary, engine, _ = multilingual
    facets = {value.value: value.count for value in engine.search("", facets=True).facets.language}
    assert facets == summary.languages


def test_a_declaration_wins_on_a_short_text_and_loses_to_a_long_text_that_contradicts_it(tmp_path):
    records = [
        # A headline too short to contradict its page: the declaration stands.
        {"url": "u:short-de", "title": "Bonjour Berlin", "body": "", "language": "de-DE"},
        # A site template's default ("en") on a German article: the text wins.
        {"url": "u:long-en", "title": "Inflation", "body": GERMAN, "lang": "en"},
        # A declaration the text agrees with, in locale form.
        {"url": "u:locale", "title": "", "body": FRENCH, "locale": "fr_CA"},
    ]
    summary, engine = index(tmp_path, write_records(tmp_path / "in", "declared.jsonl", records))
    assert languages_of(engine, ["u:short-de", "u:long-en", "u:locale"]) == {
        "u:short-de": "de", "u:long-en": "de", "u:locale": "fr"}
    assert summary.languages == {"de": 2, "fr": 1}


def test_bad_input_never_crashes_and_undetermined_is_und(tmp_path):
    half = GERMAN + " " + ENGLISH
    records = [
        {"url": "u:numbers", "title": "12 345,67 - 8.9 %", "body": "2026-12-05"},
        {"url": "u:emoji", "title": "\U0001F600\U0001F44D", "body": ""},
        {"url": "u:short", "title": "OK", "body": ""},
        {"url": "u:mixed", "title": "Wirtschaft / Economy", "body": half},
        {"url": "u:scripts", "title": "", "body": BY_LANGUAGE["zh"][0] + BY_LANGUAGE["ar"][0] + BY_LANGUAGE["ru"][0]},
        {"url": "u:xx", "title": "", "body": FRENCH, "language": "xx-YY"},
        {"url": "u:two", "title": "", "body": GERMAN, "language": "English; French"},
        {"url": "u:number", "title": "", "body": ENGLISH, "language": 42},
        {"url": "u:list", "title": "", "body": ENGLISH, "language": ["de", "fr"]},
    ]
    summary, engine = index(tmp_path, write_records(tmp_path / "in", "bad.jsonl", records))
    assert summary.added == len(records) and summary.failed == 0
    got = languages_of(engine, [record["url"] for record in records])
    assert got["u:numbers"] == got["u:emoji"] == got["u:short"] == "und"
    assert got["u:mixed"] in {"de", "en", "und"}
    assert got["u:scripts"] in {"zh", "ar", "ru", "und"}
    # Garbage declarations are ignored: the text decides.
    assert (got["u:xx"], got["u:two"], got["u:number"], got["u:list"]) == ("fr", "de", "en", "en")
    assert summary.languages["und"] >= 3


def test_a_files_language_settles_its_short_and_unsure_texts(tmp_path):
    """Reuters' one-line results tables leave the detector unsure and a short English title reads
    as Latin; in a file of English news they are English. A German headline in it stays German,
    and the same texts alone in a mixed file keep the detector's answer."""
    table = ("ROCHESTER GAS AND ELECTRIC CORP IN PAYOUT\n\nROCHESTER, N.Y., March 18 - Qtly div 55 cts vs 55 "
             "cts prior\n\nPay April 25\n\nRecord March 31")
    latin = "An Undergraduate Curriculum in Numerical Analysis"
    german = "Bundesregierung beschließt höhere Steuern auf Zigaretten"
    english = [{"url": f"u:en{i}", "title": "", "body": text} for i, text in enumerate(BY_LANGUAGE["en"] * 3)]
    odd = [{"url": "u:table", "title": "", "body": table}, {"url": "u:latin", "title": latin, "body": ""},
           {"url": "u:german", "title": german, "body": ""}]
    summary, engine = index(tmp_path, write_records(tmp_path / "in", "english.jsonl", english + odd))
    assert languages_of(engine, ["u:table", "u:latin", "u:german"]) == {
        "u:table": "en", "u:latin": "en", "u:german": "de"}
    assert summary.languages == {"en": 8, "de": 1}

    mixed = [{"url": f"u:m{i}", "title": "", "body": text} for i, (_, text) in enumerate(PARAGRAPHS[:12])]
    other = tmp_path / "other"
    summary, engine = index(other, write_records(other / "in", "mixed.jsonl", mixed + odd))
    got = languages_of(engine, ["u:table", "u:latin", "u:german"])
    assert got["u:table"] == "und" and got["u:latin"] == "la" and got["u:german"] == "de"


def test_languages_are_set_before_entity_recognition_sees_the_batch(tmp_path):
    """The NER workers get a batch when it is read (`NerPool.prefetch`), before it is written:
    each article's language must be known then, as the recogniser is chosen by it."""
    seen: list[list[str | None]] = []

    class Pool:
        def prefetch(self, articles):
            seen.append([article.language for article in articles])
            return []

    run = indexing._Run(None, None, IndexSummary(), Progress(1, enabled=False), lambda problem: None,
                        pool=Pool())  # type: ignore[arg-type]
    articles = [Article(title="", body=GERMAN, language="en"), Article(title="Titel", body="", language="de"),
                Article(title="", body=BY_LANGUAGE["ja"][0]), Article(title="", body="")]
    run.add_file(tmp_path / "a.jsonl", "key", articles)
    run.flush()
    assert seen == [["de", "de", "ja", "und"]]


def test_detection_can_be_switched_off_for_measuring(tmp_path, monkeypatch):
    """bench/languages.py measures indexing with and without detection: off, an article's
    language is its declaration, else "und"."""
    monkeypatch.setattr(indexing, "DETECT_LANGUAGES", False)
    records = [{"url": "u:declared", "title": "", "body": GERMAN, "language": "en-GB"},
               {"url": "u:silent", "title": "", "body": GERMAN}]
    summary, engine = index(tmp_path, write_records(tmp_path / "in", "off.jsonl", records))
    assert languages_of(engine, ["u:declared", "u:silent"]) == {"u:declared": "en", "u:silent": "und"}
    assert summary.languages == {"en": 1, "und": 1}


def test_a_rerun_of_an_unchanged_file_keeps_its_articles_unchanged(multilingual, tmp_path):
    """Detection is deterministic: a changed file re-read finds its other articles unchanged."""
    _, _, records = multilingual
    source = write_records(tmp_path / "in", "news.jsonl", records[:10])
    first, _ = index(tmp_path, source)
    write_records(tmp_path / "in", "news.jsonl", records[:10] + records[10:11])
    again, engine = index(tmp_path, source)
    assert (first.added, again.added, again.updated, again.unchanged) == (10, 1, 0, 10)
    assert sum(again.languages.values()) == 11


def test_reuters_21578_is_english_but_for_its_portuguese_price_table(reuters_dir):
    """The whole collection through the run's language step (as read, batch by file): the
    reader's "en" holds everywhere but on a Santos coffee price table written in Portuguese."""
    from index.readers import read_file

    run = indexing._Run(None, None, IndexSummary(), Progress(1, enabled=False), lambda problem: None)
    languages: dict[str, list[str]] = {}
    for path in sorted(reuters_dir.glob("reut2-*.sgm.gz")):
        articles = [item for item in read_file(path) if isinstance(item, Article)]
        run.set_languages([(path, "key", articles)])
        for article in articles:
            languages.setdefault(article.language or "None", []).append(article.title)
    assert {code: len(titles) for code, titles in languages.items()} == {"en": 21_576, "pt": 1}
    assert languages["pt"] == ["SANTOS COFFEE SPOTS APR 7"]


def test_big_files_are_detected_in_parts_and_the_answers_depend_only_on_the_file(monkeypatch):
    """A file's articles go to the detector in near-equal parts (each its own group) of about
    DETECT_CHUNK, never all at once; an article's language is the same whatever else is in its
    batch."""
    import index.article_languages as step
    import index.language

    monkeypatch.setattr(step, "DETECT_CHUNK", 8)
    assert [len(part) for _, part in step._parts([[Article("", "")] * n for n in (1, 8, 11, 13, 20)])] == [
        1, 8, 11, 7, 6, 10, 10]
    calls: list[int] = []
    original = index.language.detect_languages

    def spy(texts, hints=None, groups=None):
        calls.append(len(texts))
        return original(texts, hints, groups)

    monkeypatch.setattr(step, "detect_languages", spy)

    def english_file() -> list[Article]:  # 6 English paragraphs, then two the file settles
        return [Article("", text) for text in BY_LANGUAGE["en"] * 3] + [
            Article("", "An Undergraduate Curriculum in Numerical Analysis"), Article("", "Wetter")]

    def mixed_file() -> list[Article]:
        return [Article("", text) for _, text in PARAGRAPHS[:20]]

    alone = english_file()
    step.set_languages([alone])
    assert [a.language for a in alone][-2:] == ["en", "en"] and calls == [8]
    calls.clear()
    files = [mixed_file(), english_file(), mixed_file()]
    step.set_languages(files)
    assert max(calls) < 20 and sum(calls) == 48
    assert [a.language for a in files[1]] == [a.language for a in alone]
    assert [a.language for a in files[0]] == [a.language for a in files[2]]
