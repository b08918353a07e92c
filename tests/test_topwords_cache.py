"""Top words are computed once per index generation and request: asked again, the answer is
the one computed (no search, no articles read); after a new commit it is computed afresh."""
from __future__ import annotations

import json

from newsearch.indexing import index_paths
from search import Engine
from search.request import SearchRequest
from search.topwords import top_words

ARTICLES = [{"url": f"http://w/{n}", "title": f"Oil report {n}",
             "body": "Oil prices rose as refinery output fell. " + ("Pipeline strike closes terminals. " if n % 2 else
                                                                      "Tanker rates climb on demand. ") * 3}
            for n in range(12)] + [{"url": f"http://w/other{n}", "title": "Coffee", "body": "Coffee harvest news."}
                                   for n in range(12)]


def _index(folder, rows: list[dict], name: str, index_dir) -> None:
    path = folder / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    index_paths([path], index_dir, entities=False, show_progress=False)


def test_top_words_are_kept_per_generation(tmp_path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    _index(tmp_path, ARTICLES, "a.jsonl", index_dir)
    engine = Engine(index_dir)
    runs = []
    original = engine.backend.run
    monkeypatch.setattr(engine.backend, "run", lambda request: runs.append(request) or original(request))
    request = SearchRequest.build("oil")
    first = top_words(engine, request)
    assert runs and first["words"], "the first answer is computed"
    searched = len(runs)
    again = top_words(engine, SearchRequest.build("oil", page=3, sort="newest"))  # same matches, other page/order
    assert len(runs) == searched, "asked again, nothing is searched"
    assert again == first
    again["words"].clear()  # a caller changing its answer does not change the cached one
    assert top_words(engine, request)["words"] == first["words"]
    assert top_words(engine, request, top=3)["words"] == first["words"][:3]  # another top: computed
    # A new commit: computed again, and the new articles count.
    _index(tmp_path, [{"url": f"http://w/new{n}", "title": "Oil", "body": "Oil pipeline strike spreads to ports."}
                      for n in range(6)], "b.jsonl", index_dir)
    searched = len(runs)
    after = top_words(engine, request)
    assert len(runs) > searched
    assert after["total"] == first["total"] + 6


def test_two_indexes_at_the_same_generation_keep_their_own_answers(tmp_path) -> None:
    engines = []
    for name, extra in (("one", "Pipeline strike closes terminals."), ("two", "Hurricane shuts platforms.")):
        rows = [{"url": f"http://{name}/{n}", "title": "Oil", "body": f"Oil prices rose. {extra} {extra}"}
                for n in range(8)] + [{"url": f"http://{name}/c{n}", "title": "Coffee", "body": "Coffee news."}
                                      for n in range(8)]
        _index(tmp_path, rows, f"{name}.jsonl", tmp_path / name)
        engines.append(Engine(tmp_path / name))
    words = [{w.word for w in top_words(engine, SearchRequest.build("oil"))["words"]} for engine in engines]
    assert "hurricane" not in words[0] and "hurricane" in words[1]
