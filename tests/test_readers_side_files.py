"""Text that is not an article (word lists, tables, data files shipped beside a collection) is
skipped by content, with a reason; real articles, however short, are still read."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article
from index.readers import iter_files, read_file
from index.readers.base import Problem
from tests.conftest import SEEDS, shared_path

SIDE_FILES = ["all-exchanges-strings.lc.txt", "all-orgs-strings.lc.txt", "all-people-strings.lc.txt",
              "all-places-strings.lc.txt", "all-topics-strings.lc.txt", "cat-descriptions_120396.txt",
              "feldman-cia-worldfactbook-data.txt.gz"]


def read(path: Path) -> tuple[list[Article], list[Problem]]:
    items = list(read_file(path))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ADJECTIVES = ["North", "South", "East", "West", "Central", "Upper", "Lower", "Inner", "Outer", "Grand",
              "Little", "Great", "New", "Old", "Red", "Blue", "Green", "White", "Black", "Golden",
              "Silver", "Royal", "Free", "United", "Eastern", "Western", "Northern", "Southern", "Coastal", "Inland"]
NOUNS = ["Dollar", "Franc", "Crown", "Mark", "Peso", "Rand", "Pound", "Lira", "Guilder", "Escudo", "Riyal",
         "Rupiah", "Drachma", "Shilling", "Dinar", "Rupee", "Krona", "Yen", "Won", "Baht", "Real", "Sol",
         "Lev", "Leu", "Kina", "Taka", "Kyat", "Riel", "Afghani", "Birr"]
# Lists (one item per line) are recognised at any length; tables, data and code lists once they
# are longer than any wire table (PROSE_MIN_TOKENS tokens).
NOT_ARTICLES = {
    "words.txt": "\n".join(["amex", "ase", "asx", "biffex", "bse", "cbt", "cme", "comex", "fox", "hkse",
                            "ipe", "jse", "klce", "klse", "lme", "lse", "nasdaq", "nyce", "nyse", "ose"]) + "\n",
    "slugs.txt": "\n".join(f"{a}-{b}" for a in ("james", "paul", "anne", "li") for b in ("baker", "volcker", "wu")),
    "csv-like.txt": "\n".join(f"{n},{n * 2},{n * 3},label{n}" for n in range(30)),
    "table.txt": "Region      1986     1987    change\n" + "\n".join(
        f"{ADJECTIVES[n % 30]:<10} {n * 13.1:8.1f} {n * 14.7:8.1f} {n * 1.6:6.1f}%" for n in range(700)),
    "data.txt": "This is a set of Prolog assertions for facts about countries, kindly made available.\n\n"
                + "\n".join(f'bgfact("Country{n}","Exports",["natural gas","iron ore",{n}]).' for n in range(900)),
    "codes.txt": "Some notes on the categories used here, as the agency listed them in 1987.\n\n"
                 "**Currency Codes (900)\n\n" + "\n".join(f"{a} {b} ({a[:2].upper()}{b[:3].upper()})"
                                                          for a in ADJECTIVES for b in NOUNS),
}


@pytest.mark.parametrize("name", sorted(NOT_ARTICLES))
def test_synthetic_non_articles_are_skipped_with_a_reason(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, NOT_ARTICLES[name])
    found, (problem,) = read(path)
    assert found == [] and problem.severity == "skipped" and problem.path == str(path)
    assert problem.reason.startswith("not an article (")
    assert str(problem).startswith(f"skipped: {path}: not an article (")


ARTICLES = {
    "hard-wrapped.txt": "Oil prices rise\n\nCrude rose on\nMonday as\ntraders\nbet on supply.\nDealers\nsaid so.\n"
                        "Prices were\nhigher.\nAnalysts\nagreed.\n",
    "headline-only.txt": "Kim arrives in Hanoi\n",
    "two-lines.txt": "Talks end\nTalks in Hanoi ended early.\n",
    "with-table.txt": "Coffee output falls\n\nBrazil's coffee output fell sharply this year, the ministry said on "
                      "Monday, citing frost damage in the main growing regions.\n\nThe figures, in millions of "
                      "bags, were as follows.\n\nMinas 12.1 10.4\nParana 3.2 2.9\nSao Paulo 4.4 4.1\n\nThe "
                      "ministry expects a recovery next year if the weather is normal, officials said.\n",
    "chinese.txt": "朝鲜领导人抵达河内\n\n朝鲜领导人金正恩周二乘火车抵达越南，准备与美国总统举行第二次峰会。"
                   "双方将讨论无核化问题。官员表示，会谈将持续两天。\n\n越南方面加强了安保措施。\n",
    "earnings.txt": "BROWN-FORMAN INC <BFD> 4TH QTR NET\n\nLOUISVILLE, Ky., Feb 26 - Shr one dlr vs 73 cts\n"
                    "Net 12.6 mln vs 15.8 mln\nRevs 337.3 mln vs 315.2 mln\nNine mths\n"
                    "Shr 3.07 dlrs vs 3.08 dlrs\nNet 66 mln vs 66.2 mln\nRevs 1.59 billion vs 997.1 mln\n",
    "prices.txt": "U.S. POSTED PRICES REPORT (DLRS/BBL)\n" + "\n".join(
        f"{name}.......3/12/87........17.50.....16.60....17.85"
        for name in ("AMOCO", "ARCO", "CHEVRON", "CITGO", "CONOCO", "EXXON", "MOBIL")) + "\nSUN COMPANY 17.50\n",
    "list-story.txt": "Winners named\n\nThe following people won awards on Monday:\n\nAnne Smith, Paris\n"
                      "John Doe, London\nLi Wu, Beijing\n\nThe prizes will be handed out in May, organisers said.\n",
}


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_real_articles_still_read(tmp_path: Path, name: str) -> None:
    found, problems = read(write(tmp_path, name, ARTICLES[name]))
    assert len(found) == 1 and problems == []


def test_seeds_still_read() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        found, problems = read(path)
        assert len(found) == 1 and problems == [], path


def test_reuters_side_files_give_no_articles() -> None:
    folder = shared_path("reuters21578")
    for name in SIDE_FILES:
        found, problems = read(folder / name)
        assert found == [], name
        (problem,) = problems
        assert problem.severity == "skipped" and problem.reason.startswith("not an article ("), (name, problem)


def test_reuters_folder_gives_exactly_its_articles() -> None:
    """Indexing the distribution's folder as it is: 21,578 documents less NEWID 12793 (no text),
    nothing from the word lists, category notes or the CIA factbook data."""
    folder = shared_path("reuters21578")
    names = {p.name for p in folder.iterdir()}
    assert set(SIDE_FILES) <= names
    count = 0
    sources: set[str] = set()
    for path, fmt in iter_files([folder]):
        if fmt is None:
            continue  # lewis.dtd, SOURCE.md: no known format, the indexer skips them
        for item in read_file(path, fmt=fmt):
            if isinstance(item, Article):
                count += 1
                sources.add(Path(item.path).name)
    assert count == 21_577
    assert all(name.startswith("reut2-") for name in sources)


def test_a_run_counts_side_files_as_skipped_not_failed(tmp_path: Path) -> None:
    """Issue 20: Reuters' word lists and factbook were "failed 8" with "error:" lines."""
    from newsearch.indexing import index_paths

    data = tmp_path / "data"
    data.mkdir()
    write(data, "words.txt", NOT_ARTICLES["words.txt"])
    write(data, "story.txt", ARTICLES["two-lines.txt"])
    write(data, "notes.xyz", "no reader for this")
    summary = index_paths([data], tmp_path / "ix", entities=False, show_progress=False)
    assert (summary.added, summary.failed, summary.warnings, summary.files_skipped) == (1, 0, 0, 2)
    text = summary.format()
    assert "failed 0" in text and "2 skipped (not a supported type, or not an article)" in text
    assert f"  skipped: {data / 'words.txt'}: not an article (" in text and "error:" not in text
