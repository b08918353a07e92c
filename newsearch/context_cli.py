"""Words in context on the command line: `newsearch kwic`, `newsearch collocations` and
`newsearch cooccurrence` (search/kwic.py, collocations.py, cooccurrence.py), kept out of cli.py
so that cli.py stays a short dispatcher.

Each takes a query and the search's filters (the parameter table's flags: --person, --place,
--source, --language, --from, --to, ...), prints a table, or --json / --csv (and --gexf FILE
for the network), the same numbers as the web's /api/kwic, /api/collocations, /api/cooccurrence.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from newsearch.options import add_index_dir, add_parameters, backend_options, given_parameters
from search.collocations import DEFAULT_MIN_COUNT, DEFAULT_WINDOW, MAX_WINDOW
from search.collocations import TOP as COLLOCATIONS_TOP
from search.context import DEFAULT_ARTICLES, MAX_ARTICLES, check_articles
from search.cooccurrence import MAX_PAIRS
from search.cooccurrence import TOP as PAIRS_TOP
from search.kwic import DEFAULT_LINES, DEFAULT_WIDTH, MAX_LINES_PER_PAGE, MAX_WIDTH, SORTS
from search.parameters import DATE_FROM, DATE_TO, FILTERS, MAX_TOP, QUERY, Parameter, whole_number

# What the three commands take of the search's parameters: the query, its filters and dates.
CONTEXT_PARAMETERS: tuple[Parameter[Any], ...] = (QUERY, *FILTERS.values(), DATE_FROM, DATE_TO)
COMMANDS = ("kwic", "collocations", "cooccurrence")


def add_parsers(commands) -> None:
    """The three subcommands, with the search filters and the index's location options."""
    p = commands.add_parser("kwic", help="every occurrence of the query's words with the words around them")
    _common(p)
    p.add_argument("--sort", default="article", choices=SORTS,
                   help="line order: article (the search's order, the default), the words to the left "
                        "(nearest first) or right, or the keyword's form")
    p.add_argument("--width", default=str(DEFAULT_WIDTH), metavar="N",
                   help=f"words of context each side (1 to {MAX_WIDTH}, default {DEFAULT_WIDTH})")
    p.add_argument("--page", default="1", metavar="N", help="which page of lines")
    p.add_argument("--lines", default=str(DEFAULT_LINES), metavar="N",
                   help=f"lines per page (1 to {MAX_LINES_PER_PAGE}, default {DEFAULT_LINES})")
    p.add_argument("--csv", action="store_true", help="every line as CSV (all pages)")

    p = commands.add_parser("collocations", help="the words most associated with the query's words nearby")
    _common(p)
    p.add_argument("--window", default=str(DEFAULT_WINDOW), metavar="N",
                   help=f"words each side of the query's words (1 to {MAX_WINDOW}, default {DEFAULT_WINDOW})")
    p.add_argument("--top", default=str(COLLOCATIONS_TOP), metavar="N",
                   help=f"how many words (1 to {MAX_TOP}, default {COLLOCATIONS_TOP})")
    p.add_argument("--min-count", default=str(DEFAULT_MIN_COUNT), metavar="N",
                   help=f"seen at least this often near the query's words (default {DEFAULT_MIN_COUNT})")

    p = commands.add_parser("cooccurrence", help="people, organisations and places named together")
    _common(p)
    p.add_argument("--top", default=str(PAIRS_TOP), metavar="N",
                   help=f"how many pairs (1 to {MAX_PAIRS}, default {PAIRS_TOP})")
    p.add_argument("--type", dest="kinds", action="append", choices=("person", "org", "place"),
                   help="only entities of this type (repeatable; default all three)")
    p.add_argument("--csv", action="store_true", help="the pairs as CSV")
    p.add_argument("--gexf", type=Path, metavar="FILE", help="also write the network as GEXF 1.3 (Gephi)")


def _common(p: argparse.ArgumentParser) -> None:
    add_parameters(p, CONTEXT_PARAMETERS)
    add_index_dir(p)
    p.add_argument("--articles", default=str(DEFAULT_ARTICLES), metavar="N",
                   help=f"read at most the first N matching articles (1 to {MAX_ARTICLES:,}, default "
                        f"{DEFAULT_ARTICLES:,})")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")


def run(args: argparse.Namespace) -> int:
    """Run `kwic`, `collocations` or `cooccurrence` (cli.py's handler for the three)."""
    from search import engine_for
    from search.request import SearchRequest

    request = SearchRequest.build(args.query, **given_parameters(args, CONTEXT_PARAMETERS))
    articles = check_articles(args.articles, "--articles")
    backend, location = backend_options(args)
    engine = engine_for(backend=backend, **location)
    return {"kwic": _kwic, "collocations": _collocations, "cooccurrence": _cooccurrence}[args.command](
        engine, request, args, articles)


def _kwic(engine, request, args: argparse.Namespace, articles: int) -> int:
    from search.kwic import check_width, kwic, kwic_csv

    width = check_width(args.width, "--width")
    if args.csv:
        for text in kwic_csv(engine, request, sort=args.sort, width=width, articles=articles):
            sys.stdout.write(text)
        return 0
    page = kwic(engine, request, sort=args.sort, width=width, articles=articles,
                page=whole_number(args.page, "page"),  # cli.py names it --page
                page_size=whole_number(args.lines, "--lines", high=MAX_LINES_PER_PAGE))
    if args.json:
        print(json.dumps(page.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"{page.total_lines:,} lines of {', '.join(page.terms) or 'no words'} in {page.articles_with_lines:,} "
          f"of {page.articles_read:,} articles read ({page.total:,} match); page {page.page} of {page.pages}, "
          f"sorted by {page.sort}")
    if page.notice:
        print(page.notice)
    span = 8 * page.width
    for line in page.lines:
        left = line.left[-span:]
        print(f"{left:>{span}}  {line.keyword}  {line.right[:span]}")
    return 0


def _collocations(engine, request, args: argparse.Namespace, articles: int) -> int:
    from search.collocations import collocations

    found = collocations(engine, request, articles=articles,
                         window=whole_number(args.window, "--window", high=MAX_WINDOW),
                         top=whole_number(args.top, "--top", high=MAX_TOP),
                         min_count=whole_number(args.min_count, "--min-count", high=1_000_000))
    if args.json:
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"words within {found.window} of {', '.join(found.terms) or 'no words'}: {found.occurrences:,} "
          f"occurrences in {found.articles_read:,} articles read ({found.total:,} match)")
    if found.notice:
        print(found.notice)
    if found.words:
        print(f"{'word':<24} {'G2':>9} {'together':>9} {'left':>6} {'right':>6} {'total':>7}")
    for w in found.words:
        print(f"{w.word:<24} {w.score:>9.1f} {w.together:>9,} {w.left:>6,} {w.right:>6,} {w.total:>7,}")
    return 0


def _cooccurrence(engine, request, args: argparse.Namespace, articles: int) -> int:
    from search.cooccurrence import cooccurrence, cooccurrence_csv, gexf

    found = cooccurrence(engine, request, articles=articles, kinds=args.kinds,
                         top=whole_number(args.top, "--top", high=MAX_PAIRS))
    if args.gexf:
        try:
            args.gexf.write_text(gexf(found), encoding="utf-8")
        except OSError as exc:
            from search.results import BadParameterError

            raise BadParameterError(f"--gexf: cannot write {args.gexf}: {exc.strerror or exc}") from None
    if args.csv:
        sys.stdout.write(cooccurrence_csv(found))
        return 0
    if args.json:
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"{found.distinct_pairs:,} pairs of {'/'.join(found.kinds)} in {found.articles_with_entities:,} of "
          f"{found.articles_read:,} articles read ({found.total:,} match)")
    if found.notice:
        print(found.notice)
    for pair in found.pairs:
        print(f"{pair.count:>6}  {pair.a[1]} ({pair.a[0]}, {pair.count_a})  —  {pair.b[1]} ({pair.b[0]}, "
              f"{pair.count_b})")
    if args.gexf:
        print(f"network written to {args.gexf} ({len(found.entities)} nodes, {len(found.pairs)} edges)")
    return 0


__all__ = ["add_parsers", "run", "COMMANDS", "CONTEXT_PARAMETERS"]
