"""JSON / JSON Lines / CSV / TSV records: field guessing, field_map, and per-record problems."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from index.article import Article
from index.readers import ReadOptions, format_of, iter_files, read_file
from index.readers.base import Problem
from index.readers.records import split_authors

BODY = "North Korean leader Kim Jong Un left Pyongyang on Saturday.\n\nHe travels by train to Hanoi."
NEWSAPI = {
    "source": {"id": "reuters", "name": "Reuters"},
    "author": "Hyonhee Shin and Josh Smith",
    "title": "Kim heads to Vietnam",
    "description": "A short teaser.",
    "url": "https://example.com/kim",
    "publishedAt": "2019-02-23T08:00:00Z",
    "content": BODY,
}


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def split(items: list) -> tuple[list[Article], list[Problem]]:
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def read(path: Path, **options: object) -> tuple[list[Article], list[Problem]]:
    """As the indexer reads a file: with the format its name gives (read_file alone sniffs
    content, and CSV content looks like plain text)."""
    return split(list(read_file(path, ReadOptions(**options) if options else None, fmt=format_of(path))))


def test_newsapi_json_lines_all_fields(tmp_path: Path) -> None:
    found, problems = read(write(tmp_path, "a.jsonl", json.dumps(NEWSAPI) + "\n"))
    assert problems == []
    (article,) = found
    assert article.title == "Kim heads to Vietnam"
    assert article.body == BODY
    assert article.date == datetime(2019, 2, 23, 8, 0, tzinfo=timezone.utc)
    assert article.url == "https://example.com/kim"
    assert article.source == "Reuters"
    assert article.authors == ["Hyonhee Shin", "Josh Smith"]
    assert article.location == "line 1"


def test_field_names_case_insensitive_and_entities(tmp_path: Path) -> None:
    record = {"HEADLINE": "Talks end", "Body": "Talks ended early.", "Published_At": "Feb 23, 2019",
              "Link": "https://example.com/t", "Publisher": "AP", "Authors": ["A. Writer", "B. Writer"],
              "People": ["Kim Jong Un", "Donald Trump"], "Organizations": ["KCNA"], "Locations": ["Hanoi"]}
    (article,), _ = read(write(tmp_path, "b.json", json.dumps([record])))
    assert (article.title, article.body, article.url, article.source) == (
        "Talks end", "Talks ended early.", "https://example.com/t", "AP")
    assert article.date == datetime(2019, 2, 23, tzinfo=timezone.utc)
    assert article.authors == ["A. Writer", "B. Writer"]
    assert article.entities == {"person": ["Kim Jong Un", "Donald Trump"], "org": ["KCNA"], "place": ["Hanoi"]}
    assert article.location == "record 1"


def test_description_is_body_fallback_and_title_derived(tmp_path: Path) -> None:
    (a, b), _ = read(write(tmp_path, "c.json", json.dumps([
        {"title": "Only a teaser", "description": "Teaser text."},
        {"text": "Kim Jong Un met Donald Trump in Hanoi. They talked."}])))
    assert a.body == "Teaser text."
    assert b.title == "Kim Jong Un met Donald Trump in Hanoi."


def test_single_object_and_wrapped_list(tmp_path: Path) -> None:
    (single,), _ = read(write(tmp_path, "one.json", json.dumps(NEWSAPI)))
    assert single.title == "Kim heads to Vietnam"
    wrapped = {"status": "ok", "totalResults": 2, "articles": [NEWSAPI, dict(NEWSAPI, title="Second")]}
    found, problems = read(write(tmp_path, "newsapi.json", json.dumps(wrapped)))
    assert [a.title for a in found] == ["Kim heads to Vietnam", "Second"] and problems == []


def test_field_map_wins_over_guessing(tmp_path: Path) -> None:
    record = {"title": "Guessed title", "hed": "Mapped title", "text": "guessed", "story": "Mapped body.",
              "when": "2019-02-23", "who": "Jane Doe"}
    path = write(tmp_path, "m.jsonl", json.dumps(record))
    (article,), _ = read(path, field_map={"title": "hed", "body": "story", "date": "When", "authors": "who"})
    assert (article.title, article.body, article.authors) == ("Mapped title", "Mapped body.", ["Jane Doe"])
    assert article.date == datetime(2019, 2, 23, tzinfo=timezone.utc)


def test_bad_json_lines_are_reported_and_others_read(tmp_path: Path) -> None:
    lines = [json.dumps(NEWSAPI), "{not json", "", "[1, 2]", json.dumps({"url": "https://x"}),
             json.dumps(dict(NEWSAPI, publishedAt="yesterday-ish")), json.dumps(dict(NEWSAPI, title="Last"))]
    path = write(tmp_path, "bad.jsonl", "\n".join(lines))
    found, problems = read(path)
    assert [a.location for a in found] == ["line 1", "line 6", "line 7"]
    assert found[1].date is None
    where = {(p.location, p.severity) for p in problems}
    assert where == {("line 2", "error"), ("line 4", "error"), ("line 5", "error"), ("line 6", "warning")}
    assert all(p.path == str(path) and p.reason for p in problems)
    reasons = {p.location: p.reason for p in problems}
    assert "invalid JSON" in reasons["line 2"] and "not an object" in reasons["line 4"]
    assert "no text and no title" in reasons["line 5"] and "yesterday-ish" in reasons["line 6"]


def test_first_line_broken_still_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "first.jsonl", '{"title": broken\n' + json.dumps(NEWSAPI) + "\n")
    found, problems = read(path)
    assert len(found) == 1 and [p.location for p in problems] == ["line 1"]


def test_array_with_non_objects_and_truncated_array(tmp_path: Path) -> None:
    found, problems = read(write(tmp_path, "arr.json", json.dumps([NEWSAPI, "text", 3, {}, NEWSAPI])))
    assert [a.location for a in found] == ["record 1", "record 5"]
    assert [p.location for p in problems] == ["record 2", "record 3", "record 4"]
    text = json.dumps([NEWSAPI, dict(NEWSAPI, title="Two"), NEWSAPI], indent=1)
    found, problems = read(write(tmp_path, "trunc.json", text[: len(text) * 3 // 4]))
    assert [a.title for a in found] == ["Kim heads to Vietnam", "Two"]
    assert len(problems) == 1 and problems[0].location.startswith("record 3 (line ")


def test_invalid_json_file_is_one_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "x.json", '{"title": "unterminated')
    found, problems = read(path)
    assert found == [] and len(problems) == 1 and "invalid JSON" in problems[0].reason


def test_csv_fields_entities_and_wrong_column_count(tmp_path: Path) -> None:
    text = ("Title,Text,Date,URL,Source,Author,Persons,Places\r\n"
            'Kim heads to Vietnam,"First paragraph.\n\nSecond, with comma.",2019-02-23,https://e.com/1,'
            'Reuters,"Hyonhee Shin, Josh Smith",Kim Jong Un;Donald Trump,Hanoi\r\n'
            "too,few,columns\r\n"
            "Second,Body two,not a date,,,,,\r\n"
            ",,,,,,,\r\n"
            "Third,Body three,1550909000,,,,,\r\n")
    path = write(tmp_path, "news.csv", text)
    found, problems = read(path)
    assert [a.title for a in found] == ["Kim heads to Vietnam", "Second", "Third"]
    first = found[0]
    assert first.body == "First paragraph.\n\nSecond, with comma."
    assert first.authors == ["Hyonhee Shin", "Josh Smith"]
    assert first.entities == {"person": ["Kim Jong Un", "Donald Trump"], "place": ["Hanoi"]}
    assert first.location == "line 2" and found[1].location == "line 6"
    assert found[1].date is None and found[2].date == datetime(2019, 2, 23, 8, 3, 20, tzinfo=timezone.utc)
    assert [(p.location, p.severity) for p in problems] == [("line 5", "error"), ("line 6", "warning")]
    assert "3 columns" in problems[0].reason


def test_tsv_semicolon_bom_gzip_and_latin1(tmp_path: Path) -> None:
    tsv = write(tmp_path, "n.tsv", "title\tbody\nCafé opens\tA café, in Zürich, opened.\n")
    (a,), _ = read(tsv)
    assert a.body == "A café, in Zürich, opened."
    semi = write(tmp_path, "semi.csv", "\ufefftitle;body\nOne;Body; with semicolon?\nTwo;Plain body\n")
    found, problems = read(semi)
    assert "Two" in [f.title for f in found]
    gz = write(tmp_path, "n.csv.gz", gzip.compress("headline,content\nZipped,Zipped body.\n".encode()))
    (z,), _ = read(gz)
    assert z.body == "Zipped body."
    latin = write(tmp_path, "latin.csv", "title,body\nCafé crème,Déjà vu à Zürich.\n".encode("cp1252"))
    (c,), _ = read(latin)
    assert c.body.startswith("D") and c.body.endswith("rich.")  # decoded (the guess may vary), never dropped


def test_large_csv_field(tmp_path: Path) -> None:
    big = " ".join(["word"] * 100_000)  # ~500 KB, over the csv module's default 128 KiB limit
    (a,), problems = read(write(tmp_path, "big.csv", f"title,body\nBig,{big}\n"))
    assert problems == [] and len(a.body) == len(big)


@pytest.mark.parametrize("name,data", [("empty.json", b""), ("junk.csv", bytes(range(256)) * 8),
                                       ("trunc.jsonl.gz", gzip.compress(json.dumps(NEWSAPI).encode())[:30]),
                                       ("header_only.csv", b"title,body\n"), ("scalar.json", b"42")])
def test_unusable_files_give_one_problem(tmp_path: Path, name: str, data: bytes) -> None:
    path = write(tmp_path, name, data)
    found, problems = read(path)
    assert found == [] and len(problems) == 1 and problems[0].path == str(path)


def test_iter_files_formats(tmp_path: Path) -> None:
    write(tmp_path, "a.jsonl", json.dumps(NEWSAPI))
    write(tmp_path, "b.csv", "title,body\nT,B\n")
    formats = {p.name: f for p, f in iter_files([tmp_path])}
    assert formats == {"a.jsonl": "json", "b.csv": "csv"}
    titles = [a.title for p, f in iter_files([tmp_path]) for a in read_file(p, fmt=f) if isinstance(a, Article)]
    assert titles == ["Kim heads to Vietnam", "T"]


def test_split_authors() -> None:
    assert split_authors("By Jane Doe and John Roe") == ["Jane Doe", "John Roe"]
    assert split_authors("Jane Doe, John Roe & Ann Poe") == ["Jane Doe", "John Roe", "Ann Poe"]
    assert split_authors("Doe, Jane") == ["Doe, Jane"]
    assert split_authors("Martin Luther King, Jr.") == ["Martin Luther King Jr."]
    assert split_authors("") == []


# ---- hostile input ---------------------------------------------------------------------------------


def test_deeply_nested_json_line_is_reported_and_the_next_lines_read(tmp_path: Path) -> None:
    lines = [json.dumps(NEWSAPI), "[" * 100_000, "{" * 50_000 + "]", json.dumps({**NEWSAPI, "url": "https://e.x/2"})]
    found, problems = read(write(tmp_path, "deep.jsonl", "\n".join(lines) + "\n"))
    assert [a.location for a in found] == ["line 1", "line 4"]
    assert [p.location for p in problems] == ["line 2", "line 3"]
    assert "nested too deeply" in problems[0].reason and problems[0].severity == "error"


def test_deeply_nested_json_file_is_one_problem(tmp_path: Path) -> None:
    for name, data in (("deep.json", "[" * 100_000 + "]" * 100_000), ("obj.json", '{"a":' * 100_000),
                       ("deep-array.json", '[{"title": "ok", "body": "fine."}, ' + "[" * 100_000)):
        found, problems = read(write(tmp_path, name, data))
        assert len(problems) == 1 and "nested too deeply" in problems[0].reason, (name, problems)
    found, problems = read(write(tmp_path, "deep-sniffed", "[" * 100_000))  # no extension: sniffed as JSON
    assert not found and len(problems) == 1 and "nested too deeply" in problems[0].reason


def test_record_with_a_deeply_nested_value_costs_only_that_record(tmp_path: Path) -> None:
    nested = "[" * 900 + '"x"' + "]" * 900  # parses (under the recursion limit) but is no text
    lines = ['{"title": "A", "body": "Body a.", "author": ' + nested + "}",
             '{"title": "B", "body": ' + nested + "}", json.dumps({"title": "C", "body": "Body c."})]
    found, problems = read(write(tmp_path, "n.jsonl", "\n".join(lines)))
    assert "C" in [a.title for a in found]
    assert all(p.location in ("line 1", "line 2") for p in problems)


def test_csv_unclosed_quote_swallowing_rows_is_reported(tmp_path: Path) -> None:
    # Line 3's quote never closes properly: csv read lines 3-4 as one record, losing row "B".
    # Read strictly, line 3 is read on its own (two columns: indexed, with a warning) and B again.
    found, problems = read(write(tmp_path, "q.csv", 'title,body\nZ,"fine"\nA,"unclosed\nB,"body b"\nC,body c\n'))
    assert [(a.title, a.body, a.location) for a in found] == [
        ("Z", "fine", "line 2"), ("A", "unclosed", "line 3"), ("B", "body b", "line 4"), ("C", "body c", "line 5")]
    (problem,) = problems
    assert problem.location == "line 3" and problem.severity == "warning"
    assert "lines 3-4" in problem.reason and "quote" in problem.reason


def test_csv_quote_running_to_the_end_of_the_file(tmp_path: Path) -> None:
    found, problems = read(write(tmp_path, "eof.csv", 'title,body\nA,"unclosed body\nB,body b\nC,body c\n'))
    assert [a.title for a in found] == ["A", "B", "C"]
    (problem,) = problems
    assert problem.location == "line 2" and "end of the file" in problem.reason


def test_csv_column_mismatch_names_the_unclosed_quote(tmp_path: Path) -> None:
    found, problems = read(write(tmp_path, "m.csv", 'title,body\n"A","unclosed\n"B","body b"\n"C","body c"\n'))
    assert [a.title for a in found] == ["A", "B", "C"]
    (problem,) = problems
    assert problem.location == "line 2" and "lines 2-3" in problem.reason


ISSUE_23_CSV = (  # issue 23.3: a stray quote in the first field of line 4
    "title,body,date\n"
    'Oil prices rise,"Crude rose on Monday, dealers said.",2019-02-25\n'
    'Talks in Hanoi,"Kim and Trump met on Wednesday.",2019-02-27\n'
    'Bad row with "open quote,"The body of the bad row, which never closes its quote.,2019-02-27\n'
    'Rates unchanged,"The central bank left rates unchanged, as expected.",2019-02-28\n'
    'Two paragraphs,"First paragraph.\n\nSecond paragraph, after a blank line.",2019-03-01\n'
    'Coffee falls,Coffee prices fell.,2019-03-02\n'
    'Quoted words,"He said ""no"" twice.",2019-03-03\n')


def test_csv_stray_quote_costs_only_its_row(tmp_path: Path) -> None:
    """Before: "row has 2 columns, the header has 3" at line 4, and the rows it swallowed were
    lost without a word. Now every good row is indexed and the bad one is named with its line."""
    found, problems = read(write(tmp_path, "stray.csv", ISSUE_23_CSV))
    assert [(a.title, a.location) for a in found] == [
        ("Oil prices rise", "line 2"), ("Talks in Hanoi", "line 3"), ("Rates unchanged", "line 5"),
        ("Two paragraphs", "line 6"), ("Coffee falls", "line 9"), ("Quoted words", "line 10")]
    assert found[2].body == "The central bank left rates unchanged, as expected."
    assert found[3].body == "First paragraph.\n\nSecond paragraph, after a blank line."
    assert found[5].body == 'He said "no" twice.'
    (problem,) = problems
    assert (problem.location, problem.severity) == ("line 4", "error")
    assert "quote" in problem.reason and "not indexed" in problem.reason and "lines 4-5" in problem.reason


def test_csv_many_stray_quotes_each_cost_one_row(tmp_path: Path) -> None:
    """Every third row opens a quote it never closes: each is read on its own, none swallows."""
    rows = [f'Row {n},"Body {n}.' if n % 3 == 0 else f"Row {n},Body {n}." for n in range(3000)]
    found, problems = read(write(tmp_path, "many.csv", "title,body\n" + "\n".join(rows) + "\n"))
    assert [(a.title, a.body) for a in found] == [(f"Row {n}", f"Body {n}.") for n in range(3000)]
    assert [p.location for p in problems] == [f"line {n + 2}" for n in range(0, 3000, 3)]
    assert {p.severity for p in problems} == {"warning"}


def test_csv_legitimate_multiline_fields_are_not_reported(tmp_path: Path) -> None:
    body = "First paragraph, with a comma.\n\nSecond \"\"quoted\"\" paragraph.\n\nThird."
    found, problems = read(write(tmp_path, "ok.csv", f'title,body\nA,"{body}"\nB,"One line."\n'))
    assert [a.title for a in found] == ["A", "B"] and problems == []


def test_json_lines_split_at_newlines_only(tmp_path: Path) -> None:
    """JSON strings may hold U+2028, U+2029 and U+0085 raw (json.dumps(ensure_ascii=False) writes
    them so); str.splitlines split such a record in pieces, losing it and shifting line numbers."""
    records = [{"title": "Line\u2028separator", "body": "One\u2029two and\x85 three."}, {"title": "B", "body": "b"}]
    path = write(tmp_path, "u2028.jsonl", "\r\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\r\n")
    found, problems = read(path)
    assert problems == []
    assert [(a.title, a.location) for a in found] == [("Line separator", "line 1"), ("B", "line 2")]
    assert found[0].body == "One two and three."


def test_csv_well_quoted_multiline_row_with_a_column_too_many_is_one_error(tmp_path: Path) -> None:
    """Its quoting is balanced, so nothing was swallowed: it is not read again line by line
    (which would make rows of its body's lines)."""
    found, problems = read(write(tmp_path, "extra.csv", 'title,body\nA,"para one\npara two",extra\nB,b\n'))
    assert [a.title for a in found] == ["B"]
    (problem,) = problems
    assert problem.location == "line 2" and "3 columns" in problem.reason and "lines 2-3" in problem.reason


# A record's declared language, normalised to ISO 639-1 (index.language): the hint indexing's
# detection starts from. Garbage declares nothing.

@pytest.mark.parametrize("field,value,expected", [
    ("language", "de", "de"), ("lang", "fr-CA", "fr"), ("locale", "pt_BR", "pt"), ("Language", "Spanish", "es"),
    ("language", "eng", "en"), ("language", "zh-Hant-TW", "zh"),
    ("language", "xx-YY", None), ("language", "English; French", None), ("language", 42, None),
    ("language", ["de"], None), ("language", "", None),
])
def test_a_records_language_field_is_normalised(tmp_path: Path, field: str, value: object,
                                                expected: str | None) -> None:
    record = {"title": "Kim heads to Vietnam", "body": BODY, field: value}
    found, problems = read(write(tmp_path, "a.jsonl", json.dumps(record) + "\n"))
    assert problems == [] and found[0].language == expected
    header = ["title", "body", field]
    rows = [header, ["Kim heads to Vietnam", BODY, value if isinstance(value, str) else json.dumps(value)]]
    import csv
    import io
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    found, problems = read(write(tmp_path, "a.csv", buffer.getvalue()))
    # CSV holds only strings: 42 is the text "42", no language either.
    assert problems == [] and found[0].language == expected
