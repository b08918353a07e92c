"""Reuters-21578 SGML reader: quirks on small synthetic files, counts and spot checks on the real set."""
from __future__ import annotations

import gzip
import time
from datetime import datetime, timezone
from pathlib import Path

from index.article import Article
from index.entities.reuters_codes import display_name
from index.readers import iter_files, read_file
from index.readers.base import Problem

HEADER = '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n'
NL = "\n"


def doc(newid: int, text: str, date: str = "26-FEB-1987 15:01:01.79", places: str = "<D>usa</D>",
        people: str = "", orgs: str = "", extra: str = "") -> str:
    return (f'<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="{newid}">\n'
            f"<DATE>{date}</DATE>\n<TOPICS></TOPICS>\n<PLACES>{places}</PLACES>\n<PEOPLE>{people}</PEOPLE>\n"
            f"<ORGS>{orgs}</ORGS>\n<EXCHANGES></EXCHANGES>\n<COMPANIES></COMPANIES>\n"
            "<UNKNOWN> \n&#5;&#5;&#5;C T\n&#22;&#22;&#1;f0704&#31;reute\nu f BC-X   02-26 0105</UNKNOWN>\n"
            f"{extra}{text}\n</REUTERS>\n")


NORM = ("<TEXT>&#2;\n<TITLE>IBM &lt;IBM> SEES &amp; SAYS</TITLE>\n<AUTHOR>    by Janie Gabbett, Reuters</AUTHOR>\n"
        "<DATELINE>    NEW YORK, Feb 26 - </DATELINE><BODY>International Business Machines Corp\n"
        "&lt;IBM> said profits&#127; rose.\n    Second paragraph here\nspans two lines.\n Reuter\n&#3;</BODY></TEXT>")
BRIEF = ('<TEXT TYPE="BRIEF">&#2;\n******<TITLE>ASSETS OF MONEY MARKET FUNDS ROSE\n</TITLE>Blah blah blah.\n'
         "&#3;\n\n</TEXT>")
UNPROC = ('<TEXT TYPE="UNPROC">&#2;\nFEDERAL RESERVE WEEKLY REPORT 1 - FEB 26\n    Two weeks ended Feb 25\n'
          " Net free reserves.............644 vs.....1,337\n Reuter\n&#3;</TEXT>")
EMPTY = '<TEXT TYPE="UNPROC">&#2;\n&#3;\n\n</TEXT>'


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("latin-1") if isinstance(data, str) else data)
    return path


def read(path: Path) -> tuple[list[Article], list[Problem]]:
    items = list(read_file(path, fmt="reuters"))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_norm_document_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "reut2-900.sgm", HEADER + doc(1, NORM, places="<D>el-salvador</D><D>usa</D>",
                                                        people="<D>james-baker</D>", orgs="<D>opec</D>"))
    (article,), problems = read(path)
    assert problems == []
    assert article.title == "IBM <IBM> SEES & SAYS"
    assert article.body == ("NEW YORK, Feb 26 - International Business Machines Corp <IBM> said profits rose."
                            "\n\nSecond paragraph here spans two lines.")
    assert article.date == datetime(1987, 2, 26, 15, 1, 1, tzinfo=timezone.utc)
    assert article.authors == ["Janie Gabbett"]
    assert article.source == "Reuters" and article.language == "en"
    assert article.source_id == "reuters-21578:1" and article.location == "NEWID 1"
    assert article.entities == {"place": [display_name("place", "el-salvador"), "United States"],
                                "person": [display_name("person", "james-baker")],
                                "org": [display_name("org", "opec")]}
    assert "&#" not in article.body + article.title and "\x7f" not in article.body


def test_brief_unproc_empty_bad_date_and_truncated(tmp_path: Path) -> None:
    text = HEADER + "".join([
        doc(10, BRIEF),
        doc(11, UNPROC, places=""),
        doc(12, EMPTY),
        doc(13, NORM, date="31-MAR-1987 605:12:19.12"),
        doc(14, NORM, date="  3-APR-1987 07:09:06.48&#5;&#5;&#5;RM"),
        doc(15, NORM, date="sometime in spring"),
        doc(16, NORM),
    ])
    path = write(tmp_path, "mixed.sgm", text[: text.rfind("</REUTERS>")])  # the last document is cut off
    found, problems = read(path)
    by_id = {a.location: a for a in found}
    assert list(by_id) == ["NEWID 10", "NEWID 11", "NEWID 13", "NEWID 14", "NEWID 15"]
    assert by_id["NEWID 10"].title == "ASSETS OF MONEY MARKET FUNDS ROSE" and by_id["NEWID 10"].body == ""
    assert by_id["NEWID 11"].title == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert by_id["NEWID 11"].body == "Two weeks ended Feb 25\n\nNet free reserves.............644 vs.....1,337"
    assert by_id["NEWID 11"].entities == {}
    assert by_id["NEWID 13"].date == datetime(1987, 3, 31, tzinfo=timezone.utc)  # the day is kept
    assert by_id["NEWID 14"].date == datetime(1987, 4, 3, 7, 9, 6, tzinfo=timezone.utc)
    assert by_id["NEWID 15"].date is None
    assert [(p.location, p.severity) for p in problems] == [
        ("NEWID 12", "error"), ("NEWID 13", "warning"), ("NEWID 15", "warning"), ("NEWID 16", "error")]
    assert all(p.path == str(path) and p.reason for p in problems)
    assert "neither title nor body" in problems[0].reason and "</REUTERS>" in problems[3].reason


def test_gzip_and_iter_files(tmp_path: Path) -> None:
    write(tmp_path, "reut2-000.sgm.gz", gzip.compress((HEADER + doc(1, NORM) + doc(2, BRIEF)).encode()))
    write(tmp_path, "notes.sgm", "just some text, no documents")
    results = {p.name: list(read_file(p, fmt=f)) for p, f in iter_files([tmp_path])}
    assert [type(x) for x in results["reut2-000.sgm.gz"]] == [Article, Article]
    (problem,) = results["notes.sgm"]
    assert isinstance(problem, Problem) and "no <REUTERS>" in problem.reason


def test_non_ascii_byte_and_unsniffed_name(tmp_path: Path) -> None:
    body_with_fc = NORM.replace("profits", "M\xfcnchen profits")
    path = write(tmp_path, "noext", HEADER + doc(1, body_with_fc))
    (article,) = [x for x in read_file(path) if isinstance(x, Article)]  # format sniffed from content
    assert "München profits rose" in article.body


def test_whole_collection(reuters_dir: Path) -> None:
    started = time.perf_counter()
    articles: dict[str, Article] = {}
    problems: list[Problem] = []
    files = sorted(reuters_dir.glob("reut2-*.sgm*"))
    assert len(files) == 22
    for path in files:
        for item in read_file(path):
            if isinstance(item, Article):
                articles[item.location] = item
            else:
                problems.append(item)
    elapsed = time.perf_counter() - started
    # 21,578 documents: TITLE in 20,841 (every BODY document has one) + 737 UNPROC with their text
    # directly in TEXT = 21,578, less NEWID 12793, an UNPROC document with no text at all.
    assert len(articles) == 21_577
    assert [(p.location, p.severity) for p in problems] == [("NEWID 12793", "error"), ("NEWID 17192", "warning")]
    assert elapsed < 15, f"parsing took {elapsed:.1f} s"
    first = articles["NEWID 1"]
    assert first.date == datetime(1987, 2, 26, 15, 1, 1, tzinfo=timezone.utc)
    assert first.title == "BAHIA COCOA REVIEW"
    assert first.entities["place"] == [display_name("place", c) for c in ("el-salvador", "usa", "uruguay")]
    assert first.body.startswith("SALVADOR, Feb 26 - Showers continued throughout the week")
    assert first.body.endswith("February 27.") and first.source_id == "reuters-21578:1"
    assert "\xfc" in articles["NEWID 17980"].body  # the one 0xFC byte of reut2-017, read as latin-1 ü
    assert articles["NEWID 17192"].date == datetime(1987, 3, 31, tzinfo=timezone.utc)
    dates = [a.date for a in articles.values() if a.date]
    assert len(dates) == len(articles)
    assert min(dates) == first.date and max(dates) == datetime(1987, 10, 20, 22, 53, 18, tzinfo=timezone.utc)
    assert not any("&#" in a.body or "&lt;" in a.body for a in articles.values())
    assert sum(1 for a in articles.values() if a.authors) == 875


def test_file_cut_inside_a_reuters_tag(tmp_path: Path) -> None:
    whole = HEADER + doc(1, NORM) + doc(2, BRIEF)
    second = whole.index('<REUTERS TOPICS="YES"', len(HEADER) + 10)
    for cut, location in ((whole.index('NEWID="2"') + 9, "NEWID 2"),   # NEWID complete, tag not closed
                          (whole.index('NEWID="2"') + 3, "record 2"),   # cut inside the NEWID attribute
                          (second + 4, "record 2")):                    # cut inside the tag name: "<REU"
        path = write(tmp_path, "cut.sgm", whole[:cut])
        found, (problem,) = read(path)
        assert [a.location for a in found] == ["NEWID 1"]
        assert problem.location == location and problem.severity == "error"
        assert "truncated" in problem.reason and f"line {whole[:second].count(NL) + 1}" in problem.reason
    only = write(tmp_path, "only.sgm", HEADER + '<REUTERS TOPICS="YES" NEWID="7"')
    found, (problem,) = read(only)
    assert not found and problem.location == "NEWID 7" and "truncated" in problem.reason


def test_file_cut_inside_a_record_names_its_line(tmp_path: Path) -> None:
    whole = HEADER + doc(1, NORM) + doc(2, NORM)
    path = write(tmp_path, "cut.sgm", whole[: whole.rindex("<BODY>") + 20])
    found, (problem,) = read(path)
    assert [a.location for a in found] == ["NEWID 1"]
    assert problem.location == "NEWID 2" and "truncated" in problem.reason
    line = whole[: whole.index('NEWID="2"')].count("\n") + 1
    assert f"starting on line {line}" in problem.reason
