"""Document-level entity facet F1 on CoNLL-2003 dev (eng.testa), ours vs raw spaCy, per step.

Why document level: a facet lists each entity of an article once, so what a user sees is the
article's set of distinct people, organisations and places. Gold: the distinct PER / ORG / LOC
names of each article, a short form dropped when a longer gold name of the same kind contains
it ("Simmons" beside "Phil Simmons": the facet should show the full name once). A predicted
short form beside its full name is therefore a wrong value. Places are compared through the
alias table on every side (U.S. = United States); people and organisations by `key` (case,
dots, hyphens).

Articles: the copy has no -DOCSTART- lines; an article starts at the sentence before a
dateline sentence ("LONDON 1996-08-30"), which is its headline (SOURCE.md).
Raw spaCy reads each article's headline and body as one text (NER only, same model); ours is
the whole pipeline (`EntityExtractor.annotate` per corpus, then the corpus pass).
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from index.article import Article
from index.entities import canonical_name
from index.entities.aliases import AliasTable, key
from index.entities.canonical import clean
from index.entities.corpus import EntityCorpus
from index.entities.extractor import given_names, ner_text
from index.entities.resolve import Steps, article_evidence

KINDS = ("person", "org", "place")
GOLD_KINDS = {"PER": "person", "ORG": "org", "LOC": "place"}
RAW_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'&()/-]* \d{4}-\d{2}-\d{2}$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NO_SPACE_BEFORE = {".", ",", ":", ";", "?", "!", ")", "'s", "'", "n't", "%", "'re", "'ve", "'ll", "'d", "'m"}


@dataclass
class ConllArticle:
    title: str
    body: str
    gold: dict[str, set[str]]
    date: datetime | None = None


def _detok(tokens: list[str]) -> tuple[str, list[int]]:
    """Text of tokens with news spacing, and each token's start offset."""
    text, starts = "", []
    for tok in tokens:
        if text and tok not in _NO_SPACE_BEFORE and not text.endswith(("(", "$")):
            text += " "
        starts.append(len(text))
        text += tok
    return text, starts


def _sentences(path: Path) -> list[list[tuple[str, str]]]:
    sents, cur = [], []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                if cur:
                    sents.append(cur)
                cur = []
            elif parts[0] != "-DOCSTART-":
                cur.append((parts[0], parts[-1]))
    if cur:
        sents.append(cur)
    return sents


def _gold_names(sents: list[list[tuple[str, str]]]) -> dict[str, set[str]]:
    names: dict[str, list[str]] = {k: [] for k in KINDS}
    for sent in sents:
        current: list[str] = []
        label = None
        for tok, tag in sent + [("", "O")]:
            tag_label = tag[2:] if tag != "O" else None
            if current and (tag_label is None or tag.startswith("B-") or tag_label != label):
                if GOLD_KINDS.get(label):
                    names[GOLD_KINDS[label]].append(_detok(current)[0])
                current, label = [], None
            if tag_label is not None:
                label = tag_label
                current.append(tok)
    gold = {}
    for kind, found in names.items():
        keys = {key(n): n for n in found}
        words = {k: k.split(" ") for k in keys}
        kept = {k for k in keys
                if not any(len(words[o]) > len(words[k]) and _inside(words[k], words[o]) for o in keys)}
        gold[kind] = {match_key(kind, keys[k]) for k in kept}
    return gold


def _inside(short: list[str], long: list[str]) -> bool:
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))


def match_key(kind: str, name: str) -> str:
    """What two values must share to be the same facet value: their canonical names, for every
    kind (gold "UN" is our "United Nations", as gold "U.S." is "United States")."""
    return key(canonical_name(kind, name))


def load_articles(path: Path) -> list[ConllArticle]:
    """The 214 articles of eng.testa (headline + dateline split, see module doc). One dateline
    is cut in two sentences ("FARMINGTON HILLS, Mich." / "1996-08-30"): a date alone ends the
    dateline begun by the sentence before it."""
    sents = _sentences(path)
    text = [_detok([t for t, _ in s])[0] for s in sents]
    spans = []  # (headline, first dateline sentence, first body sentence)
    for i, line in enumerate(text):
        if i > 0 and _DATELINE.match(line):
            spans.append((i - 1, i, i + 1))
        elif i > 1 and _DATE_ONLY.match(line):
            spans.append((i - 2, i - 1, i + 1))
    out = []
    for n, (head, dl, first) in enumerate(spans):
        end = spans[n + 1][0] if n + 1 < len(spans) else len(sents)
        dateline = " ".join(text[dl:first - 1] + [text[first - 1]])
        body = "\n\n".join([dateline] + text[first:end])
        date = datetime.strptime(dateline.rsplit(" ", 1)[1], "%Y-%m-%d")
        out.append(ConllArticle(text[head], body, _gold_names(sents[head:end]), date))
    return out


def raw_spacy(nlp, docs: list[ConllArticle]) -> tuple[list[dict[str, set[str]]], list[dict[str, set[str]]]]:
    """Raw en_core_web_sm: every PERSON/ORG/GPE/LOC span's text, distinct per article; and the
    same spans cleaned (`canonical.clean`: "the", possessives, titles, punctuation), a fairer
    floor that shows what the rest of the pipeline adds."""
    raw, cleaned = [], []
    texts = [f"{d.title}\n\n{d.body}" for d in docs]
    for doc in nlp.pipe(texts, batch_size=64):
        found: dict[str, set[str]] = {k: set() for k in KINDS}
        tidy: dict[str, set[str]] = {k: set() for k in KINDS}
        for ent in doc.ents:
            kind = RAW_KINDS.get(ent.label_)
            if kind:
                found[kind].add(match_key(kind, ent.text.strip()))
                name = clean(kind, ent.text)
                if name:
                    tidy[kind].add(match_key(kind, name))
        raw.append(found)
        cleaned.append(tidy)
    return raw, cleaned


def as_found(entities: list[dict[str, list[str]]]) -> list[dict[str, set[str]]]:
    return [{k: {match_key(k, n) for n in e.get(k, [])} for k in KINDS} for e in entities]


def f1(gold: list[dict[str, set[str]]], found: list[dict[str, set[str]]]) -> dict[str, dict]:
    """Micro precision / recall / F1 per kind over (article, value) pairs."""
    out = {}
    for kind in KINDS:
        tp = fp = fn = 0
        for g, f in zip(gold, found):
            tp += len(g[kind] & f[kind])
            fp += len(f[kind] - g[kind])
            fn += len(g[kind] - f[kind])
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out[kind] = {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                     "tp": tp, "fp": fp, "fn": fn}
    return out


def errors(gold, found, docs, kind: str, n: int = 15) -> tuple[list, list]:
    """The most frequent wrong and missed values of a kind (for reading, not tuning)."""
    from collections import Counter
    wrong, missed = Counter(), Counter()
    for g, f in zip(gold, found):
        wrong.update(f[kind] - g[kind])
        missed.update(g[kind] - f[kind])
    return wrong.most_common(n), missed.most_common(n)


def to_articles(docs: list[ConllArticle]) -> list[Article]:
    return [Article(title=d.title, body=d.body, date=d.date, source_id=f"conll-dev:{i}") for i, d in enumerate(docs)]


def ours(articles: list[Article], spans: list, table: AliasTable, steps: Steps) -> list[dict[str, list[str]]]:
    """Our facet values for the whole corpus from recognised spans, as an index run ends with
    them (every article counted into the corpus statistics, then resolved)."""
    corpus = EntityCorpus(None, table, steps)
    for article, found in zip(articles, spans):
        corpus.add(article.id, article.date,
                   article_evidence(found, given_names(article, steps), table, steps, ner_text(article)))
    values = [corpus.entities(a.id) or {} for a in articles]
    corpus.close()
    return values


_NONE = Steps(noise=False, coref=False, types=False, corpus=False, dateline=False)
STEP_RUNS: dict[str, Steps] = {
    "earlier rules (no step)": _NONE,
    "+ noise filter alone": replace(_NONE, noise=True),
    "+ news-style short names alone": replace(_NONE, coref=True),
    "+ type voting alone": replace(_NONE, types=True),
    "+ cross-article names alone": replace(_NONE, corpus=True),
    "+ dateline place alone": replace(_NONE, dateline=True),
    "all steps (ours)": Steps(),
}


def run(path: Path, extractor, nlp) -> dict:
    """Raw spaCy and ours per step on eng.testa; F1 per kind and the most frequent errors."""
    docs = load_articles(path)
    gold = [d.gold for d in docs]
    table = extractor.aliases
    raw, cleaned = raw_spacy(nlp, docs)
    articles = to_articles(docs)
    spans = extractor.recognise(articles)
    report = {"articles": len(docs), "runs": {"raw spaCy": f1(gold, raw), "raw spaCy, spans cleaned": f1(gold, cleaned)}}
    for name, steps in STEP_RUNS.items():
        found = as_found(ours(articles, spans, table, steps))
        report["runs"][name] = f1(gold, found)
        if steps == Steps():
            report["errors"] = {k: dict(zip(("wrong", "missed"), errors(gold, found, docs, k))) for k in KINDS}
    return report


def print_report(report: dict) -> None:
    print(f"\nDocument-level facet F1 on CoNLL-2003 dev ({report['articles']} articles)")
    print(f"{'':<34}" + "".join(f"{k:>22}" for k in KINDS))
    print(f"{'':<34}" + "".join(f"{'P':>8}{'R':>7}{'F1':>7}" for _ in KINDS))
    raw = report["runs"]["raw spaCy"]
    for name, r in report["runs"].items():
        print(f"{name:<34}" + "".join(f"{r[k]['p']:>8.3f}{r[k]['r']:>7.3f}{r[k]['f1']:>7.3f}" for k in KINDS))
    ours_f1 = report["runs"]["all steps (ours)"]
    print(f"{'ours - raw spaCy (F1)':<34}" + "".join(f"{ours_f1[k]['f1'] - raw[k]['f1']:>+22.3f}" for k in KINDS))
