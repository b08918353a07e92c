"""Stories (index.stories): near-duplicates and same-event articles grouped at index time, and
collapsed in search, on every backend.

Synthetic articles whose similarity is known by construction test each rule (the duplicate
threshold, the date window, undated articles, incremental joining, order independence,
collapse with filters and sorting); the seeds and Reuters-21578 test the acceptance cases.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from index.article import Article
from index.stories import (DUP_THRESHOLD, WINDOW_DAYS, WORDS_THRESHOLD, StoryIndex, content_words, jaccard, make_entry,
                           near_duplicates, same_event, shingles, signature, tokens)
from search import BadParameterError
from tests.corpus import record, url, write_jsonl

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
_RNG = random.Random(13)
_SYLLABLES = ("tar", "mol", "vek", "dun", "pra", "sil", "gor", "ham", "lin", "zet")
WORDS = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("ab", "ic", "on", "ur", "es", "ix")]


def text(seed: int, n: int = 120) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(WORDS) for _ in range(n)]


def edited(words: list[str], every: int) -> list[str]:
    """A re-send: every `every`-th word replaced (one corrected figure per sentence, say)."""
    return [f"fix{i}" if i % every == 0 else w for i, w in enumerate(words)]


def article(words: list[str], date: str | None, entities: dict | None = None, title: str = "T") -> Article:
    from datetime import datetime

    return Article(title=title, body=" ".join(words), date=datetime.fromisoformat(date) if date else None,
                   entities=entities or {})


def exact_shingle_jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = shingles(["t"] + a), shingles(["t"] + b)
    return len(sa & sb) / len(sa | sb)


# ---- the pair rules -------------------------------------------------------------------------------

def test_duplicate_threshold_separates_resends_from_rewrites():
    base = text(1)
    resend, rewrite = edited(base, 40), edited(base, 6)
    assert exact_shingle_jaccard(base, resend) > DUP_THRESHOLD + 0.1
    assert exact_shingle_jaccard(base, rewrite) < DUP_THRESHOLD - 0.1
    a, b, c = (make_entry(article(w, "2020-03-01"), f"id{n}", "h") for n, w in enumerate((base, resend, rewrite)))
    assert near_duplicates(a, b) and same_event(a, b)
    assert not near_duplicates(a, c)
    # MinHash estimates the Jaccard similarity closely (128 permutations).
    assert abs(jaccard(a.shingles, b.shingles) - exact_shingle_jaccard(base, resend)) < 0.12


def test_date_window():
    base = text(2)
    first = make_entry(article(base, "2020-03-02T23:00"), "a", "h")
    inside = make_entry(article(edited(base, 50), f"2020-03-{2 + WINDOW_DAYS:02d}T01:00"), "b", "h")
    outside = make_entry(article(edited(base, 50), f"2020-03-{3 + WINDOW_DAYS:02d}T01:00"), "c", "h")
    assert same_event(first, inside) and near_duplicates(first, inside)
    assert not same_event(first, outside) and not near_duplicates(first, outside)


def test_undated_articles_group_only_as_near_duplicates():
    base = text(3)
    undated = make_entry(article(base, None), "u1", "h")
    undated_copy = make_entry(article(edited(base, 40), None), "u2", "h")
    undated_other = make_entry(article(edited(base, 3), None, {"place": ["Chile", "Peru", "Chad"]}), "u3", "h")
    dated_copy = make_entry(article(base, "2020-01-01"), "d1", "h")
    assert same_event(undated, undated_copy)
    assert not same_event(undated, undated_other)   # shares words, not a near-duplicate
    assert not same_event(undated, dated_copy)      # an undated copy never joins a dated story


def test_same_event_needs_words_and_shared_entities():
    base = text(4)
    story = {"person": ["Ana Perez"], "place": ["Chile"], "org": ["Codelco"]}
    # The same words in another order, and some new ones: the same event told again, in other
    # sentences (no shingle in common).
    retold = base[:90]
    random.Random(4).shuffle(retold)
    retold += text(40, 30)
    a = make_entry(article(base, "2020-03-01", story), "a", "h")
    b = make_entry(article(retold, "2020-03-02", story), "b", "h")
    c = make_entry(article(retold, "2020-03-02", {"place": ["Chile"], "org": ["Antofagasta"]}), "c", "h")
    assert jaccard(a.words, b.words) > WORDS_THRESHOLD and jaccard(a.shingles, b.shingles) < 0.1
    assert same_event(a, b)
    assert not same_event(a, c)  # one shared place of two is not enough


def test_shortened_version_joins_the_story():
    full = text(12, 300)
    first_take = full[:80]          # an "URGENT" first take, the full story later
    a = make_entry(article(full, "2020-03-01T12:00"), "full", "h")
    b = make_entry(article(first_take, "2020-03-01T08:00"), "take", "h")
    assert not near_duplicates(a, b) and same_event(a, b)
    assert not same_event(a, make_entry(article(text(13, 80), "2020-03-01"), "other", "h"))


def test_a_daily_template_series_is_cut_into_stories_of_the_window(tmp_path):
    """Every article is tied to its story's first one or to an article tied to it, so a daily
    template report does not become a months-long story: a story spans at most 2 x WINDOW_DAYS
    after its first day (day 1 represents; days 2-4 are tied to it; days 5-7 to those)."""
    base = text(14)
    daily = [(f"day{n}", article(edited(base, 30 + n), f"2020-03-{n:02d}")) for n in range(1, 11)]
    stories = _group(tmp_path, daily)
    assert WINDOW_DAYS == 3
    assert len({stories[f"day{n}"] for n in range(1, 8)}) == 1
    assert stories["day7"] != stories["day8"] == stories["day9"] == stories["day10"]
    assert _group(tmp_path / "reversed", daily[::-1]) == stories


def _retold(words: list[str], seed: int) -> list[str]:
    """The same words in another order: no shingle in common, the content words the same."""
    shuffled = words[:]
    random.Random(seed).shuffle(shuffled)
    return shuffled


def test_no_chaining_through_one_member(tmp_path):
    """A, B, C, D, each sharing ~74% of its words with the next and less with the others: A
    represents; B is tied to A, C to B (A's core); D shares words only with C, an article tied
    to the core, not to the story: it starts a story of its own (one-link chaining made one)."""
    words = WORDS[:200]
    texts = {name: _retold(words[15 * n:15 * n + 100], n) for n, name in enumerate("abcd")}
    items = [(name, article(texts[name], f"2020-03-02T0{n}:00")) for n, name in enumerate("abcd")]
    a, b, c, d = (make_entry(item, name, "h") for name, item in items)
    assert same_event(a, b) and same_event(b, c) and same_event(c, d)
    assert not same_event(a, c) and not same_event(b, d) and not same_event(a, d)
    stories = _group(tmp_path / "forward", items)
    assert stories["a"] == stories["b"] == stories["c"] != stories["d"]
    assert _group(tmp_path / "backward", items[::-1]) == stories


def test_names_held_by_many_articles_do_not_link(tmp_path, monkeypatch):
    """Two articles sharing a third of their words and a person are one story while the
    person's name is rare in the archive, and two when it is common (a junk name like
    "Revs" of earnings tables); also when the articles that make it common come later."""
    import index.stories as st

    monkeypatch.setattr(st, "COMMON_NAME_DF", 4)
    base = text(21)
    pair = [("x", article(base[:60] + text(22, 60), "2020-03-02", {"person": ["Revs"]})),
            ("y", article(_retold(base[:60], 3) + text(23, 60), "2020-03-02T05:00", {"person": ["Revs"]}))]
    x, y = (make_entry(item, name, "h") for name, item in pair)
    assert WORDS_THRESHOLD <= jaccard(x.words, y.words) < 0.7
    assert _group(tmp_path / "rare", pair)["x"] == _assignments(tmp_path / "rare")["y"]
    others = [(f"o{n}", article(text(30 + n), f"2020-02-{10 + n}", {"person": ["Revs"]})) for n in range(2)]
    common = _group(tmp_path / "rare", others)   # a second run: the name is held by 4 now
    assert common["x"] != common["y"]
    assert _group(tmp_path / "at-once", others + pair) == common


def test_a_store_of_the_chaining_rule_is_regrouped(tmp_path):
    """A stories.sqlite of the chaining rule (a `chain` column, rule 3) is read: its articles
    are regrouped from their stored signatures by the current rule."""
    import json
    import sqlite3

    from index.story_store import STORE_NAME

    base = text(24)
    items = [("a", article(base, "2020-03-01")), ("b", article(edited(base, 40), "2020-03-02")),
             ("c", article(text(25), "2020-03-02"))]
    (tmp_path / "old").mkdir()
    conn = sqlite3.connect(tmp_path / "old" / STORE_NAME)
    conn.execute("""CREATE TABLE article (id TEXT PRIMARY KEY, day INTEGER, ts REAL, length INTEGER NOT NULL,
        hash TEXT NOT NULL, shingles BLOB NOT NULL, words BLOB NOT NULL, n_shingles INTEGER NOT NULL,
        n_words INTEGER NOT NULL, entities TEXT NOT NULL, chain TEXT NOT NULL, story TEXT NOT NULL, dup TEXT NOT NULL)""")
    conn.execute("CREATE INDEX article_chain ON article(chain)")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('rule', '3')")
    for name, item in items:
        e = make_entry(item, name, item.content_hash)
        conn.execute("INSERT INTO article VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     (name, e.day, e.ts, e.length, e.hash, e.shingles.tobytes(), e.words.tobytes(), e.n_shingles,
                      e.n_words, json.dumps(sorted(e.entities)), "c-old", "s-old", "d-old"))
    conn.commit()
    conn.close()
    regrouped = _assignments(tmp_path / "old")
    assert regrouped == _group(tmp_path / "new", items)
    assert regrouped["a"] == regrouped["b"] != regrouped["c"]


# ---- the incremental grouping -------------------------------------------------------------------

def _assignments(folder: Path) -> dict[str, str]:
    index = StoryIndex(folder)
    try:
        return {aid: story for aid, story, _ in index.store.assignments()}
    finally:
        index.close()


def _group(folder: Path, articles: list[tuple[str, Article]]) -> dict[str, str]:
    index = StoryIndex(folder)
    for aid, item in articles:
        index.add(item, aid, item.content_hash)
    index.save()
    index.close()
    return _assignments(folder)


def test_incremental_joining_and_representative(tmp_path):
    base = text(5)
    later = ("later", article(edited(base, 40), "2020-03-03"))
    middle = ("middle", article(edited(base, 30), "2020-03-02"))
    first = _group(tmp_path, [later])
    second = _group(tmp_path, [middle])            # a second run joins the stored story
    assert second["middle"] == second["later"] != first["later"]  # the earlier article represents it
    earliest = ("earliest", article(edited(base, 35), "2020-03-01"))
    third = _group(tmp_path, [earliest])
    assert len(set(third.values())) == 1 and third["later"] != second["later"]
    assert _group(tmp_path / "once", [earliest, later, middle]) == third  # as if indexed together


def test_changed_article_leaves_its_story(tmp_path):
    base = text(6)
    items = [("a", article(base, "2020-03-01")), ("b", article(edited(base, 40), "2020-03-01"))]
    together = _group(tmp_path, items)
    assert together["a"] == together["b"]
    rewritten = article(text(60), "2020-03-01")
    apart = _group(tmp_path, [("b", rewritten)])
    assert apart["a"] != apart["b"]


def test_order_independence_on_reuters(reuters_dir, tmp_path):
    from index.readers import ReadOptions, read_file

    articles = [a for a in read_file(reuters_dir / "reut2-004.sgm.gz", ReadOptions(), "reuters") if isinstance(a, Article)]
    items = [(a.id, a) for a in articles]
    forward = _group(tmp_path / "forward", items)
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    half = len(shuffled) // 2
    _group(tmp_path / "shuffled", shuffled[:half])
    backward = _group(tmp_path / "shuffled", shuffled[half:])   # two runs, another order
    assert forward == backward
    sizes = sorted((list(forward.values()).count(s) for s in set(forward.values())), reverse=True)
    assert sizes[0] > 1  # there are stories to get wrong


def test_index_run_in_two_orders_gives_the_same_stories(backend_indexes, tmp_path):
    from newsearch.indexing import index_paths

    base = text(7)
    files = {f"f{n}.jsonl": [record(f"o{n}", "Port strike", " ".join(edited(base, 30 + n)),
                                    f"2020-03-0{1 + n % 3}", place=["Chile"], person=["Ana Perez"])]
             for n in range(4)}
    files["f9.jsonl"] = [record("other", "Other", " ".join(text(70)), "2020-03-02")]
    roots = [tmp_path / "one", tmp_path / "two"]
    for root in roots:
        for name, records in files.items():
            write_jsonl(root / name, records)
    backend_indexes.index("orders1", [roots[0]])
    for name in reversed(sorted(files)):       # one file per run, last first
        backend_indexes.index("orders2", [roots[1] / name])
    one = backend_indexes.engine("orders1").search("", collapse=True, page_size=10)
    two = backend_indexes.engine("orders2").search("", collapse=True, page_size=10)
    assert one.total == two.total == 5 and one.stories == two.stories == 2
    key = lambda results: sorted((h.story.id, h.story.size, tuple(sorted([h.id, *h.story.others])))
                                 for h in results.hits)
    assert key(one) == key(two)
    assert index_paths  # the backend's own runs above


# ---- search: collapse, the story filter, sorting ---------------------------------------------------

def _story_corpus() -> list[dict]:
    """Story A: 3 articles (1-3 March, two sources); story B: 2 copies (10 March); two singles."""
    a, b = text(8), text(9)
    people = {"person": ["Ana Perez"], "place": ["Chile"], "org": ["Codelco"]}
    return [
        record("a1", "Copper strike begins", " ".join(a) + " copper", "2020-03-01", source="AP", **people),
        record("a2", "Copper strike goes on", " ".join(edited(a, 40)) + " copper", "2020-03-02", source="Reuters",
               **people),
        record("a3", "Copper strike talks", " ".join(a[:70] + text(80, 50)) + " copper", "2020-03-03",
               source="AP", **people),
        record("b1", "Zinc copper smelter fire", " ".join(b) + " copper", "2020-03-10", source="AP",
               place=["Peru"]),
        record("b2", "Zinc copper smelter fire", " ".join(edited(b, 50)) + " copper", "2020-03-10",
               source="AFP", place=["Peru"]),
        record("c1", "Copper price note", " ".join(text(10)) + " copper", "2020-03-05", source="AP",
               place=["Chile"]),
        record("d1", "Gold find", " ".join(text(11)) + " gold", "2020-03-06", source="AP"),
    ]


def test_story_ids_are_written_with_the_articles(backend_indexes, tmp_path, monkeypatch):
    """A backend that keeps story ids in documents gets each with its article: only an article
    whose story changes after its write (a story's earliest article arriving later) is written
    a second time, and the stories come out the same either way."""
    from search.backends.opensearch.writer import OpenSearchWriter

    updates: list[str] = []
    real = OpenSearchWriter.update_fields

    def counting(self, article_id, fields):
        if "story" in fields:
            updates.append(article_id)
        return real(self, article_id, fields)

    monkeypatch.setattr(OpenSearchWriter, "update_fields", counting)
    write_jsonl(tmp_path / "in-order" / "articles.jsonl", _story_corpus())           # each story earliest first
    write_jsonl(tmp_path / "reversed" / "articles.jsonl", _story_corpus()[::-1])     # latest first
    backend_indexes.index("written-in-order", [tmp_path / "in-order"])
    assert updates == []
    backend_indexes.index("written-reversed", [tmp_path / "reversed"])
    if backend_indexes.backend == "opensearch":
        # b2 before b1 (the longer copy represents), a3 and a2 before a1: rewritten once each.
        assert sorted(updates) == sorted(url(n) for n in ("a2", "a3", "b2"))
    else:
        assert updates == []  # Whoosh reads stories from their table, never from documents
    one = backend_indexes.engine("written-in-order").search("", collapse=True, page_size=10)
    two = backend_indexes.engine("written-reversed").search("", collapse=True, page_size=10)
    key = lambda results: sorted((h.story.id, tuple(sorted([h.id, *h.story.others]))) for h in results.hits)
    assert one.stories == two.stories == 4 and key(one) == key(two)


@pytest.fixture(scope="module")
def stories_engine(backend_indexes, tmp_path_factory):
    root = tmp_path_factory.mktemp("stories")
    write_jsonl(root / "data" / "articles.jsonl", _story_corpus())
    assert backend_indexes.index("stories", [root / "data"]).added == 7
    return backend_indexes.engine("stories")


def test_collapse_one_hit_per_story(stories_engine):
    flat = stories_engine.search("copper", page_size=20)
    assert flat.total == 6 and not flat.collapsed and all(h.story is None for h in flat.hits)
    results = stories_engine.search("copper", collapse=True, page_size=20)
    assert results.collapsed and results.total == 6 and results.stories == 3 and len(results.hits) == 3
    by_first = {h.id: h.story for h in results.hits}
    story_a = next(s for s in by_first.values() if s.size == 3)
    assert sorted([next(i for i, s in by_first.items() if s is story_a), *story_a.others]) == \
        [url("a1"), url("a2"), url("a3")]
    assert story_a.representative == url("a1")
    assert story_a.date_from.date().isoformat() == "2020-03-01" and story_a.date_to.date().isoformat() == "2020-03-03"
    assert sorted(story_a.sources) == ["AP", "Reuters"]
    # Facets still count articles.
    assert sum(v.count for v in results.facets.source) == 6
    assert results.to_dict()["stories"] == 3 and "story" in results.to_dict()["hits"][0]


def test_collapse_with_sort_newest_orders_by_newest_article(stories_engine):
    results = stories_engine.search("copper", collapse=True, sort="newest", page_size=20)
    assert [h.id for h in results.hits] == [url("b1") if results.hits[0].id == url("b1") else url("b2"),
                                            url("c1"), url("a3")]
    oldest = stories_engine.search("copper", collapse=True, sort="oldest", page_size=20)
    assert [h.id for h in oldest.hits] == [url("a1"), url("c1"), oldest.hits[2].id]
    assert oldest.hits[2].id in (url("b1"), url("b2"))


def test_collapse_with_filters_and_pages(stories_engine):
    chile = stories_engine.search("copper", collapse=True, place="Chile", page_size=20)
    assert chile.total == 4 and chile.stories == 2
    assert {h.story.size for h in chile.hits} == {3, 1}
    first = stories_engine.search("copper", collapse=True, page_size=2, sort="oldest")
    second = stories_engine.search("copper", collapse=True, page_size=2, page=2, sort="oldest")
    assert first.pages == 2 and len(first.hits) == 2 and len(second.hits) == 1
    assert not {h.story.id for h in first.hits} & {h.story.id for h in second.hits}


def test_story_filter(stories_engine):
    story = next(h.story for h in stories_engine.search("copper", collapse=True).hits if h.story.size == 3)
    only = stories_engine.search("", story=story.id, sort="oldest")
    assert [h.id for h in only.hits] == [url("a1"), url("a2"), url("a3")]
    assert stories_engine.search(f"talks story:{story.id}").total == 1
    with pytest.raises(BadParameterError):
        stories_engine.search("story:nonsense")


def test_largest_stories(stories_engine):
    found = stories_engine.stories(top=2)
    assert [s.size for s in found] == [3, 2] and found[0].title == "Copper strike begins"
    assert [s.size for s in stories_engine.stories("smelter")] == [2]


def test_cli_collapse_and_stories(stories_engine, backend_indexes, monkeypatch, capsys):
    import json

    from newsearch.cli import main

    for name, value in backend_indexes.env("stories").items():
        monkeypatch.setenv(name, value)
    assert main(["search", "copper", "--collapse", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["collapsed"] and data["stories"] == 3 and data["total"] == 6 and len(data["hits"]) == 3
    assert main(["search", "copper", "--collapse"]) == 0
    out = capsys.readouterr().out
    assert "6 results in 3 stories" in out and "+ 2 more in this story" in out
    assert main(["stories", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "3 articles  Copper strike begins" in out and "2 articles" in out
    assert main(["stories", "--top", "0"]) == 2


def test_web_page_api_and_story_page(stories_engine):
    from web import create_app

    client = create_app(engine=stories_engine, testing=True).test_client()
    page = client.get("/?q=copper&collapse=1").get_data(as_text=True)
    assert page.count('class="hit"') == 3 and "2 more articles in this story" in page
    assert client.get("/?q=copper").get_data(as_text=True).count('class="hit"') == 6  # off by default
    api = client.get("/api/search?q=copper").get_json()
    assert not api["collapsed"] and len(api["hits"]) == 6 and "story" not in api["hits"][0]
    api = client.get("/api/search?q=copper&collapse=1").get_json()
    assert api["collapsed"] and api["stories"] == 3 and api["total"] == 6
    story = next(h["story"] for h in api["hits"] if h["story"]["size"] == 3)
    listed = client.get("/api/stories?top=1").get_json()["stories"]
    assert [s["id"] for s in listed] == [story["id"]]
    one = client.get(f"/api/stories/{story['id']}").get_json()
    assert one["story"]["size"] == 3 and [a["id"] for a in one["articles"]] == [url("a1"), url("a2"), url("a3")]
    html = client.get(f"/story/{story['id']}").get_data(as_text=True)
    assert "Copper strike begins" in html and "Codelco" in html and html.count("story-articles") == 3
    assert client.get("/story/s-0000000000000000").status_code == 404
    assert client.get("/story/nonsense").status_code == 400
    assert client.get("/api/search?collapse=maybe").status_code == 400
    assert client.get("/api/stories?top=0").status_code == 400


# ---- acceptance: the seeds and Reuters ---------------------------------------------------------------

def test_seeds_are_one_story(backend_indexes):
    backend_indexes.index("seed-stories", [SEEDS], entities=True)
    engine = backend_indexes.engine("seed-stories")
    flat = engine.search("Kim Hanoi")
    assert flat.total == 2 and len(flat.hits) == 2
    collapsed = engine.search("Kim Hanoi", collapse=True)
    assert collapsed.total == 2 and collapsed.stories == 1 and len(collapsed.hits) == 1
    assert collapsed.hits[0].story.size == 2 and len(collapsed.hits[0].story.others) == 1


@pytest.fixture(scope="module")
def reuters_engine(tmp_path_factory):
    """Four of Reuters-21578's 22 files (4,000 articles): early March, with the 2 March Exxon
    article, and early April, with the 9 April one."""
    from newsearch.indexing import index_paths
    from search import Engine
    from tests.conftest import shared_path

    data = shared_path("reuters21578")
    folder = tmp_path_factory.mktemp("reuters-stories") / "ix"
    files = [data / f"reut2-{n:03d}.sgm.gz" for n in (0, 1, 14, 15)]
    index_paths(files, folder, entities=False, show_progress=False)
    return Engine(folder)


def test_reuters_oil_prices_first_page_has_no_near_duplicates(reuters_engine):
    results = reuters_engine.search("oil prices", collapse=True)
    assert results.stories < results.total
    # Title and body, as the grouping reads them (some Reuters bulletins are a title alone).
    texts = [f"{record.title}\n{record.body}" for record in
             (reuters_engine.article(h.id)[0] for h in results.hits)]
    assert len(texts) == 10
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = shingles(tokens(texts[i])), shingles(tokens(texts[j]))
            assert len(a & b) / len(a | b) < DUP_THRESHOLD, (results.hits[i].title, results.hits[j].title)


def test_reuters_exxon_templates_are_two_stories(reuters_engine):
    march = reuters_engine.search("story:" + _story_of(reuters_engine, "reuters-21578:834"))
    april_story = _story_of(reuters_engine, "reuters-21578:15607")
    assert "reuters-21578:15607" not in {h.id for h in march.hits}
    assert april_story != _story_of(reuters_engine, "reuters-21578:834")


def _story_of(engine, article_id: str) -> str:
    title = engine.article(article_id)[0].title
    results = engine.search(f'title:"{title}"', collapse=True, page_size=100)
    for hit in results.hits:
        if hit.id == article_id or article_id in hit.story.others:
            return hit.story.id
    raise AssertionError(f"{article_id} not found")


def test_signature_is_stable_across_processes():
    """Stored signatures are compared with ones computed in later runs: no per-process salt."""
    import subprocess
    import sys

    code = "from index.stories import signature; print(signature({b'a b c d', b'e f g h'})[:4].tolist())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert other.stdout.strip() == str(signature({b"a b c d", b"e f g h"})[:4].tolist())
    assert content_words(["the", "oil", "87", "x"]) == {b"oil", b"87"}
