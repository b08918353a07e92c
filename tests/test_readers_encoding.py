"""Text files in an undeclared single-byte encoding: Western European news in latin-1/cp1252 is read
as cp1252, however short, while text whose cp1252 reading is not Western keeps the detector's guess.

Issue 20: a latin-1 file was guessed as cp775 (Baltic) and "Zürich" was indexed as "Z³rich".
"""
from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article
from index.readers import read_file
from index.readers.base import Problem

# Short news paragraphs as news sites and wires write them.
WESTERN = {
    "de": "Zürich, 3. März - Die Schweizerische Nationalbank hat am Dienstag die Zinsen unverändert gelassen. "
          "Der Franken blieb gegenüber dem Euro stark, sagte ein Händler in Zürich.",
    "fr": "PARIS, 3 mars - Le président français a déclaré jeudi que la réforme des retraites serait maintenue "
          "malgré les grèves. « Nous irons jusqu'au bout », a-t-il dit à l'Élysée.",
    "es": "MADRID, 3 de marzo - El Gobierno español aprobó el martes una subida del salario mínimo, según "
          "informó el ministerio de Economía. La medida afectará a millones de trabajadores en España.",
    # Reuters-21578 NEWID 1154 (reut2-001), its dateline spelt as the city spells itself.
    "reuters": "Zürich, March 3 - The Swiss Federal Government's new series of six-month money market "
               "certificates raised 177.5 mln Swiss francs at an issue price of 98.401 pct to give an average "
               "annual yield of 3.286 pct, the National Bank said.",
    "bonn": "BONN, March 3 - Economics Minister Martin Bangemann said the Bundesbank's decision was welcome. "
            "Klaus Müller of the Düsseldorf exchange agreed.",
}


def read_one(path: Path) -> tuple[Article, list[Problem]]:
    items = list(read_file(path))
    articles = [i for i in items if isinstance(i, Article)]
    assert len(articles) == 1, items
    return articles[0], [i for i in items if isinstance(i, Problem)]


@pytest.mark.parametrize("name", sorted(WESTERN))
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_short_western_news_is_read_as_cp1252(tmp_path: Path, name: str, encoding: str) -> None:
    text = WESTERN[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(f"Headline\n\n{text}\n".encode(encoding))
    article, problems = read_one(path)
    assert article.body == text
    [note] = problems
    assert note.severity == "warning" and "decoded as cp1252" in note.reason


def test_zurich_is_not_read_as_baltic(tmp_path: Path) -> None:
    """The report of issue 20, exactly: one line of latin-1 German."""
    path = tmp_path / "zurich.txt"
    path.write_bytes("Zürich\n\nDie Börse in Zürich schloss am Montag höher, sagten Händler.\n".encode("latin-1"))
    article, _ = read_one(path)
    assert article.title == "Zürich" and "Börse" in article.body and "³" not in article.body


def test_real_german_text_from_the_extraction_benchmark(tmp_path: Path) -> None:
    """A real German article (the benchmark's one German page), encoded latin-1 and read back."""
    import gzip
    import json

    from tests.conftest import shared_path

    truth = json.load(gzip.open(shared_path("article_extraction_benchmark") / "ground-truth.json.gz"))
    [body] = [v["articleBody"] for v in truth.values() if "die-elektronische-patientenakte" in v["url"]]
    paragraph = next(p for p in body.split("\n") if len(p) > 300 and ("ä" in p or "ü" in p))
    path = tmp_path / "de.txt"
    path.write_bytes(f"Die elektronische Patientenakte\n\n{paragraph}\n".encode("latin-1", "replace"))
    article, _ = read_one(path)
    assert article.body == " ".join(paragraph.encode("latin-1", "replace").decode("latin-1").split())


@pytest.mark.parametrize("text,encoding", [
    ("Wałęsa powiedział w środę, że rząd w Warszawie nie zmieni zdania w sprawie płac.", "cp1250"),
    ("Президент России заявил в среду, что рубль останется стабильным.", "cp1251"),
    ("Ο πρωθυπουργός δήλωσε ότι η Αθήνα θα συνεχίσει τις συνομιλίες.", "cp1253"),
])
def test_other_code_pages_keep_the_detectors_guess(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "other.txt"
    path.write_bytes(f"{text}\n".encode(encoding))
    article, _ = read_one(path)
    assert article.body == text


def test_looks_western() -> None:
    from index.readers.base import looks_western

    assert looks_western("Zürich café, señor – “quoted” …")
    assert not looks_western("plain ASCII")  # nothing to judge: not this rule's business
    assert not looks_western("Wa³êsa")  # cp1250's ł read as cp1252
    assert not looks_western("The ruble (ðóáëü) fell")  # a Cyrillic word: a run of accented letters
    assert not looks_western("Ïðåçèäåíò Ðîññèè")  # all accented


def test_a_latin1_file_is_found_by_its_words(tmp_path: Path) -> None:
    """Issue 20, end to end: "Zürich" indexed as "Z³rich" was not found by searching Zürich."""
    from newsearch.indexing import index_paths
    from search import Engine

    data = tmp_path / "data"
    data.mkdir()
    (data / "swiss.txt").write_bytes(f"Swiss money market paper\n\n{WESTERN['reuters']}\n".encode("latin-1"))
    summary = index_paths([data], tmp_path / "ix", entities=False, show_progress=False)
    assert summary.added == 1
    engine = Engine(tmp_path / "ix")
    assert engine.search("Zürich").total == 1 and engine.search("zurich").total == 1
