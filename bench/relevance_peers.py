"""The peer engines of bench/relevance.py: tantivy, SQLite FTS5 and bm25s, each given the same words.

Every engine gets the query lower-cased and split on anything not [a-z0-9] (so no query syntax
survives), written in its own syntax:
  tantivy  the words separated by spaces, parsed over title and body (disjunction, default BM25
           k1 1.2 b 0.75, `en_stem` (Snowball English) tokenizer on both fields);
  FTS5     each word double-quoted, joined by OR; `tokenize='porter'`; ORDER BY bm25(docs, 1, 1)
           (title and body weighted equally);
  bm25s    title + abstract as one text, `bm25s.tokenize(stopwords="en", stemmer=PyStemmer english)`,
           BM25 "lucene" variant with its defaults (k1=1.5, b=0.75).
Runs are DEPTH deep, as ranked doc-id lists.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from relevance_data import words_of

DEPTH = 1000


def query_words(queries: dict[str, str], runs: dict[str, list[str]]):
    """(query id, words) of the queries that have words; the others get an empty run."""
    for qid, text in queries.items():
        words = words_of(text)
        if words:
            yield qid, words
        else:
            runs[qid] = []


def run_tantivy(docs, queries, workdir: Path) -> dict[str, list[str]]:
    import tantivy
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True)
    sb.add_text_field("title", tokenizer_name="en_stem")
    sb.add_text_field("body", tokenizer_name="en_stem")
    schema = sb.build()
    path = workdir / "tantivy"
    path.mkdir()
    ix = tantivy.Index(schema, path=str(path))
    writer = ix.writer(num_threads=1)
    for doc_id, (title, body) in docs.items():
        writer.add_document(tantivy.Document(id=int(doc_id), title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    ix.reload()
    searcher = ix.searcher()
    runs = {}
    for qid, words in query_words(queries, runs):
        q = ix.parse_query(" ".join(words), ["title", "body"])
        hits = searcher.search(q, DEPTH).hits
        runs[qid] = [str(searcher.doc(addr)["id"][0]) for _, addr in hits]
    return runs


def run_fts5(docs, queries, workdir: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(str(workdir / "fts5.sqlite"))
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter')")
    db.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                   ((int(d), t, b) for d, (t, b) in docs.items()))
    db.commit()
    runs = {}
    for qid, words in query_words(queries, runs):
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 1.0, 1.0) LIMIT ?",
                          (match, DEPTH)).fetchall()
        runs[qid] = [str(r[0]) for r in rows]
    db.close()
    return runs


def run_bm25s(docs, queries) -> tuple[dict[str, list[str]], str]:
    import bm25s
    try:
        import Stemmer
        stemmer, note = Stemmer.Stemmer("english"), "PyStemmer english (Snowball) stemmer, stopwords='en'"
    except ImportError:
        stemmer, note = None, "no stemmer (PyStemmer missing), stopwords='en'"
    ids = list(docs)
    corpus = [f"{t} {b}" for t, b in docs.values()]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    runs = {}
    for qid, text in queries.items():
        words = " ".join(words_of(text))
        tokens = bm25s.tokenize([words], stopwords="en", stemmer=stemmer, return_ids=False,
                                show_progress=False)[0]
        tokens = [t for t in tokens if t in retriever.vocab_dict]
        if not tokens:
            runs[qid] = []
            continue
        results, scores = retriever.retrieve([tokens], k=min(DEPTH, len(ids)), show_progress=False)
        runs[qid] = [ids[int(i)] for i, s in zip(results[0], scores[0]) if s > 0]
    return runs, f"bm25s BM25(method='lucene', k1=1.5, b=0.75); {note}; title+abstract as one field"
