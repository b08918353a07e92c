"""The researcher's commands: `newsearch trends "q1" "q2"` and `newsearch search ... --format
csv|jsonl --all` (export), kept out of cli.py so that cli.py stays a short dispatcher.

Both are thin over `Engine.trends` and `Engine.export`: the same numbers and the same file as
the web app's /api/trends and /api/export.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from newsearch.options import add_index_dir, add_parameters
from search.export import EXPORT_LIMIT, every_article
from search.parameters import DATE_FROM, DATE_TO, FILTERS, INTERVAL, RECENCY, SORT, Parameter, filters_as_query
from search.trends import MAX_QUERIES, trends_csv

EXPORT_FORMATS = ("csv", "jsonl")
NO_ARTICLES = "no articles"  # a trends bucket without any article (the web chart leaves a gap there)


def add_search_options(parser: argparse.ArgumentParser) -> None:
    """`search`'s export options."""
    parser.add_argument("--format", choices=["text", "json", *EXPORT_FORMATS], default="text",
                        help="csv or jsonl: one row per article (id, date, source, title, url, entities, language)")
    parser.add_argument("--all", action="store_true",
                        help="with --format csv|jsonl: every matching article, not one page (at most --limit)")
    parser.add_argument("--limit", type=int, default=EXPORT_LIMIT, metavar="N",
                        help=f"the most articles --all writes (default {EXPORT_LIMIT:,}; the last line says "
                             f"when it cut)")
    parser.add_argument("--text", action="store_true", help="with --format csv|jsonl: add the article text")


def add_trends_parser(commands) -> None:
    """`trends`: its queries, where the index is, and the search parameters it takes (the
    table's bucket and dates, added by `add_parameters`)."""
    p = commands.add_parser("trends", help="articles over time for up to 5 queries, as a share of all articles")
    p.add_argument("queries", nargs="+", metavar="QUERY",
                   help='a query in the query language, with its own filters (e.g. "oil place:Iran")')
    add_index_dir(p)
    add_parameters(p, (INTERVAL, DATE_FROM, DATE_TO, *FILTERS.values()))  # filters: of every series
    p.add_argument("--counts", action="store_true", help="plot counts, not shares (the table has both)")
    p.add_argument("--csv", action="store_true", help="print a CSV table")
    p.add_argument("--json", action="store_true", help="print the series as JSON")


def export_search(engine, request, args: argparse.Namespace) -> int:
    """Write the search's results as CSV or JSON Lines to stdout, streamed."""
    if not args.all and request.page != 1:
        from search.results import BadParameterError

        raise BadParameterError("--format csv|jsonl starts at the first result: use --all to export them all")
    limit = args.limit if args.all else request.page_size
    # A bad query fails here, before the header is written.
    engine.run(every_article(request, page=1, page_size=1, snippets=False, facets=False))
    for line in engine.export(request.query, args.format, limit=limit, text=args.text, say_cut=args.all,
                              **_request_parameters(request)):
        sys.stdout.write(line)
    return 0


# What an export keeps of the search: its filters and order (every page, no stories).
_EXPORTED: tuple[Parameter[Any], ...] = (DATE_FROM, DATE_TO, *FILTERS.values(), SORT, RECENCY)


def _request_parameters(request) -> dict:
    """`SearchRequest.build` keywords that re-create `request`'s filters and order."""
    return {p.name: getattr(request, p.name) for p in _EXPORTED}


def cmd_trends(args: argparse.Namespace, engine) -> int:
    if len(args.queries) > MAX_QUERIES:
        from search.results import BadParameterError

        raise BadParameterError(f"trends compare at most {MAX_QUERIES} queries, not {len(args.queries)}")
    beside = filters_as_query({kind: getattr(args, kind, []) for kind in FILTERS})
    queries = [f"{q} {beside}" if q.strip() and beside else q for q in args.queries]
    result = engine.trends(queries, interval=args.interval, normalise=not args.counts,
                           date_from=args.date_from, date_to=args.date_to)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if args.csv:
        sys.stdout.write(trends_csv(result))
        return 0
    print(f"{result.scale()} per {result.interval}" + (f" ({result.notice})" if result.notice else ""))
    names = [s.query for s in result.series]
    width = max([len(n) for n in names] + [12])
    print(f"{'':<16} {'all':>8}  " + "  ".join(f"{n:>{width}}" for n in names))
    if result.series and result.series[0].points:
        for i, point in enumerate(result.series[0].points):
            cells = []
            for s in result.series:
                p = s.points[i]
                if not result.normalised:
                    cells.append(f"{p.count:>{width},}")
                elif p.total:
                    cells.append(f"{p.share * 100:>{width - 1}.2f}%")
                else:  # no article at all in this bucket: a share of nothing is not 0%
                    cells.append(f"{NO_ARTICLES:>{width}}")
            print(f"{point.label:<16} {result.articles[i]:>8,}  " + "  ".join(cells))
    for s in result.series:
        notes = ([f"{s.undated:,} undated"] if s.undated else []) + \
            ([] if s.all_words else ["few have all the words: those with some of them are counted"])
        print(f"{s.query}: {s.total:,} articles" + (f" ({'; '.join(notes)})" if notes else ""))
    return 0


__all__ = ["add_search_options", "add_trends_parser", "export_search", "cmd_trends", "EXPORT_FORMATS"]
