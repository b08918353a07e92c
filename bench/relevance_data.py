"""The judged collections of bench/relevance.py: Cranfield, CISI and CACM, read in place.

Each loader returns (docs, queries, qrels): docs {doc id: (title, body)}, queries {query id: text}
and qrels [(query id, doc id, gain)], with only the judged queries kept (as is customary; each
collection's SOURCE.md says how many). Documents are `.T` title + `.W` abstract for all three
(authors, bibliography and citations are not indexed by any engine).

- Cranfield: query ids are the position 1..225 in cran.qry (the qrels use positions, not the `.I`
  ids); the `-1` ("no interest") judgments are dropped; grades 1 (best) .. 4 become gains 4 .. 1.
- CISI: binary judgments (every listed pair is relevant, gain 1); 76 of 112 queries judged.
- CACM: binary judgments; qids zero-padded in qrels.text ("01"), normalised to "1"; many records
  have only a title; 52 of 64 queries judged.
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path

Collection = tuple[dict[str, tuple[str, str]], dict[str, str], list[tuple[str, str, int]]]
# Folder under ../shared/data, the file that must exist, and the loader's name.
COLLECTIONS = {"cranfield": "cran.all.1400.gz", "cisi": "CISI.ALL.gz", "cacm": "cacm.all.gz"}


def smart_records(text: str, wanted: str = "TW") -> dict[str, dict[str, str]]:
    """SMART-format records (`.I n` then `.X` field markers on their own lines) as
    {id: {field letter: whitespace-collapsed text}}; fields not in `wanted` are skipped."""
    records: dict[str, dict[str, str]] = {}
    for chunk in re.split(r"^\.I ", text.replace("\r\n", "\n"), flags=re.M)[1:]:
        lines = chunk.split("\n")
        fields: dict[str, list[str]] = {}
        current = None
        for line in lines[1:]:
            m = re.match(r"^\.([A-Z])\s*$", line)
            if m:
                current = m.group(1)
                fields.setdefault(current, [])
            elif current:
                fields[current].append(line)
        records[lines[0].strip()] = {k: " ".join(" ".join(v).split()) for k, v in fields.items() if k in wanted}
    return records


def _docs(records: dict[str, dict[str, str]]) -> dict[str, tuple[str, str]]:
    return {i: (r.get("T", ""), r.get("W", "")) for i, r in records.items()}


def _judged(queries: dict[str, str], qrels: list[tuple[str, str, int]]) -> dict[str, str]:
    judged = {q for q, _, _ in qrels}
    return {q: t for q, t in queries.items() if q in judged}


def load_cranfield(data: Path) -> Collection:
    docs = _docs(smart_records(gzip.open(data / "cran.all.1400.gz", "rt", encoding="ascii").read()))
    qtext = (data / "cran.qry").read_text(encoding="ascii")
    queries = {str(pos): r.get("W", "") for pos, r in
               enumerate(smart_records(qtext, "W").values(), start=1)}
    qrels = []
    for line in (data / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and 1 <= int(parts[2]) <= 4:
            qrels.append((parts[0], parts[1], 5 - int(parts[2])))
    return docs, _judged(queries, qrels), qrels


def _binary_qrels(path: Path) -> list[tuple[str, str, int]]:
    seen, qrels = set(), []
    for line in gzip.open(path, "rt", encoding="ascii").read().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            pair = (str(int(parts[0])), str(int(parts[1])))
            if pair not in seen:
                seen.add(pair)
                qrels.append((*pair, 1))
    return qrels


def _load_binary(data: Path, docs_file: str, queries_file: str, qrels_file: str) -> Collection:
    """A SMART collection with binary judgments (CISI, CACM): gzipped, Latin-1."""
    def read(name: str) -> str:
        return gzip.open(data / name, "rt", encoding="latin-1").read()
    docs = _docs(smart_records(read(docs_file)))
    queries = {i: r.get("W", "") for i, r in smart_records(read(queries_file), "W").items()}
    qrels = _binary_qrels(data / qrels_file)
    return docs, _judged(queries, qrels), qrels


def load_cisi(data: Path) -> Collection:
    return _load_binary(data, "CISI.ALL.gz", "CISI.QRY.gz", "CISI.REL.gz")


def load_cacm(data: Path) -> Collection:
    return _load_binary(data, "cacm.all.gz", "query.text.gz", "qrels.text.gz")


LOADERS = {"cranfield": load_cranfield, "cisi": load_cisi, "cacm": load_cacm}


def words_of(query: str) -> list[str]:
    """The query words every engine gets: lower-cased, split on anything not [a-z0-9]."""
    return re.findall(r"[a-z0-9]+", query.lower())
