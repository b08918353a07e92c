"""`newsearch`: the command line, a thin adapter over `newsearch.indexing` and `search`.

Exit codes: 0 done (bad input files are reported in the summary, not fatal), 1 the index is
missing/locked/unusable, a path given to `index` does not exist (the others are still indexed), or
an index run stopped because one of its processes died (it says what to re-run), 2 a bad query or
parameter.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

from index.article import ENTITY_TYPES
from newsearch import context_cli, memory_cli, research_cli
from newsearch.options import add_index_dir, add_parameters, backend_options, given_parameters
from search.parameters import DATE_FROM, DATE_TO, FILTERS, PARAMETERS, QUERY, Parameter

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
# The Python API's parameter names in its error messages ("page_size must be ...", "date_from
# (...) is after date_to (...)"), and the options a command-line user typed (the table's flags).
_OPTION_NAMES = {p.name: p.flag for p in PARAMETERS if p.flag and p.flag.startswith("--")}
_PARAMETER = re.compile(r"\b(" + "|".join(_OPTION_NAMES) + r")\b(?=:| must| \()")
# What `stories` takes of the search's parameters (search/parameters.py): the query, filters, dates.
_STORIES_PARAMETERS: tuple[Parameter[Any], ...] = (QUERY, *FILTERS.values(), DATE_FROM, DATE_TO)
_QUOTED = re.compile(r"""('[^']*'|"[^"]*")""")
_TAG = re.compile(r"<[^>]+>")


def _terminal_text(snippet_html: str, color: bool) -> str:
    """A snippet for the terminal: matches in bold yellow (or *stars* when not a TTY)."""
    import html

    marked = _MARK.sub(lambda m: f"\x1b[1;33m{m.group(1)}\x1b[0m" if color else f"*{m.group(1)}*", snippet_html)
    return html.unescape(_TAG.sub("", marked))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsearch", description="Full-text search for news archives.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("index", help="index files and folders of news articles")
    p.add_argument("paths", nargs="+", type=Path)
    add_index_dir(p)
    p.add_argument("--format", choices=["seed", "text", "html", "json", "csv", "reuters"],
                   help="read every file as this format instead of guessing from its name")
    p.add_argument("--field-map", nargs="*", default=[], metavar="OURS=THEIRS",
                   help="JSON/CSV field names, e.g. body=story_text date=when")
    p.add_argument("--no-entities", action="store_true", help="skip named-entity recognition")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes running entity recognition (default: one per core; 1: in the indexing process)")
    p.add_argument("--aliases", type=Path, metavar="FILE",
                   help="extra entity aliases (TSV: type, alias, canonical name), merged with the shipped table")
    p.add_argument("--errors", type=Path, metavar="FILE", help="write every problem as JSON lines")
    p.add_argument("--lock-timeout", type=float, default=600.0, metavar="S",
                   help="how long to wait for another index run to finish (default 600)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--rebuild", action="store_true",
                   help="build a new index from these files and switch searches to it when done "
                        "(opensearch: an alias swap, no downtime; the previous index is kept until the next rebuild)")
    p.add_argument("--part", metavar="K/N",
                   help="index only the K-th of N disjoint parts of the files (run N of these, on any machines)")

    p = commands.add_parser("search", help="search the index", epilog="The search parameters: docs/parameters.md.")
    add_parameters(p, PARAMETERS)  # every parameter of the table with a flag
    add_index_dir(p)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    research_cli.add_search_options(p)
    research_cli.add_trends_parser(commands)
    context_cli.add_parsers(commands)  # kwic, collocations, cooccurrence
    memory_cli.add_memory_parsers(commands)  # saved, tags, ...

    p = commands.add_parser("stories", help="the largest stories, of the index or of a query's results")
    add_parameters(p, _STORIES_PARAMETERS)
    add_index_dir(p)
    p.add_argument("--top", default="10", help="how many stories (1 to 100)")
    p.add_argument("--json", action="store_true")

    p = commands.add_parser("stats", help="what is in the index")
    add_index_dir(p)
    p.add_argument("--json", action="store_true")

    p = commands.add_parser("entities", help="the most mentioned people, organisations and places")
    p.add_argument("query", nargs="?", default="")
    add_index_dir(p)
    p.add_argument("--type", choices=ENTITY_TYPES, action="append",
                   help="only this type (repeatable; default all three)")
    p.add_argument("--top", default="20", help="how many of each type (1 to 100)")
    p.add_argument("--json", action="store_true")

    p = commands.add_parser("serve", help="serve the search page and JSON API")
    add_index_dir(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--debug", action="store_true", help="Flask's debug server (never in production)")
    return parser


def cmd_index(args: argparse.Namespace) -> int:
    from newsearch.indexing import index_paths, write_problems
    from index.readers import ReadOptions

    field_map = {}
    for item in args.field_map:
        ours, sep, theirs = item.partition("=")
        if not sep or not ours or not theirs:
            return _fail(f"--field-map: expected OURS=THEIRS, got {item!r}", 2)
        field_map[ours.strip()] = theirs.strip()
    if args.aliases is not None and not args.aliases.is_file():
        return _fail(f"--aliases: no such file {args.aliases}", 2)
    part = None
    if args.part:
        from index.parts import parse_part

        try:
            part = parse_part(args.part)
        except ValueError as exc:
            return _fail(str(exc), 2)
    if args.workers is not None and args.workers < 1:
        return _fail(f"--workers must be at least 1, not {args.workers}", 2)
    backend, location = backend_options(args)
    summary = index_paths(args.paths, options=ReadOptions(format=args.format, field_map=field_map),
                          entities=not args.no_entities, lock_timeout=args.lock_timeout,
                          aliases_file=args.aliases, backend=backend, backend_options=location, part=part,
                          rebuild=args.rebuild, workers=args.workers)
    if args.errors:
        write_problems(summary.problems, args.errors)
    print(json.dumps(summary.to_dict(), indent=2) if args.json else summary.format())
    # Tag rules kept with --reapply tag what this run added (issue 22).
    for tag, added in memory_cli.reapply_after_index(backend, location).items():
        if added and not args.json:
            print(f"tag rule: {added:,} new articles tagged “{tag}”")
    # A mistyped path among several must not pass silently in a script: the summary says why.
    return 1 if summary.missing else 0


def cmd_search(args: argparse.Namespace) -> int:
    from search import engine_for
    from search.request import SearchRequest

    request = SearchRequest.build(args.query, **given_parameters(args, PARAMETERS))
    backend, location = backend_options(args)
    if args.format in research_cli.EXPORT_FORMATS:
        return research_cli.export_search(engine_for(backend=backend, **location), request, args)
    results = engine_for(backend=backend, **location).run(request)
    if args.json or args.format == "json":
        print(json.dumps(results.to_dict(), indent=2, ensure_ascii=False))
        return 0
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    note = f" ({results.relaxed_notice})" if results.relaxed_notice else ""
    stories = f" in {results.stories} stories" if results.collapsed else ""
    print(f"{results.total} results{stories}, page {results.page} of {results.pages}, "
          f"{results.took_ms:.0f} ms{note}")
    if results.partial_notice:
        print(results.partial_notice)
    if results.suggestion:
        print(f"Did you mean: {results.suggestion}")
    mixed = len(results.facets.language) > 1  # each result's language when the results mix languages
    for n, hit in enumerate(results.hits, start=(results.page - 1) * results.page_size + 1):
        when = hit.date.date().isoformat() if hit.date else "undated"
        print(f"\n{n}. {hit.title}\n   {when}" + (f" · {hit.source}" if hit.source else "")
              + (f" · {hit.language}" if mixed and hit.language else "") + f" · {hit.id}")
        print("   " + _terminal_text(hit.snippet, color).replace("\n", " "))
        if hit.story is not None and hit.story.size > 1:
            print(f"   + {hit.story.size - 1} more in this story ({_story_line(hit.story)})")
    return 0


def _story_line(story) -> str:
    """A story's date span, sources and id, for one line of the terminal."""
    span = "undated"
    if story.date_from:
        first, last = story.date_from.date().isoformat(), story.date_to.date().isoformat()
        span = first if first == last else f"{first} .. {last}"
    sources = ", ".join(story.sources[:3]) + (" ..." if len(story.sources) > 3 else "")
    return f"{span}" + (f" · {sources}" if sources else "") + f" · story:{story.id}"


def cmd_stories(args: argparse.Namespace) -> int:
    from search import engine_for
    from search.request import MAX_TOP, whole_number

    top = whole_number(args.top, "--top", high=MAX_TOP)
    backend, location = backend_options(args)
    found = engine_for(backend=backend, **location).stories(args.query, top=top,
                                                            **given_parameters(args, _STORIES_PARAMETERS))
    if args.json:
        print(json.dumps([story.to_dict() for story in found], indent=2, ensure_ascii=False))
        return 0
    if not found:
        print("no stories (index the articles again if it was built before stories existed)")
    for n, story in enumerate(found, start=1):
        print(f"{n:>3}. {story.size:>4} articles  {story.title}\n{'':>16}{_story_line(story)}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from search import engine_for

    from search.backends import index_location

    backend, location = backend_options(args)
    stats = engine_for(backend=backend, **location).stats()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    print(f"index: {index_location(backend, location)} ({backend})")
    print(f"documents: {stats['documents']} ({stats['undated']} undated)")
    print(f"dates: {stats['date_from'] or '-'} .. {stats['date_to'] or '-'}")
    print(f"size: {stats['size_bytes'] / 1e6:.1f} MB in {stats['segments']} segment(s)")
    print(f"last update: {stats['last_update']}; entities by: {stats['recogniser']}")
    _print_languages(stats)
    for field, values in stats["top"].items():
        if field == "language":  # listed whole above
            continue
        print(f"top {field}: " + ", ".join(f"{v['value']} ({v['count']})" for v in values))
    return 0


def _print_languages(stats: dict) -> None:
    """The index's languages, most articles first, each with what recognises names in it."""
    from index.language_codes import language_name

    languages: dict[str, int] = stats.get("languages") or {}
    unrecorded = stats["documents"] - sum(languages.values())
    without = f"{unrecorded:,} article{'' if unrecorded == 1 else 's'} without one" if unrecorded > 0 else ""
    print(f"languages: {len(languages)}" + (f" ({without}: re-index to detect them)" if without else ""))
    by = stats.get("recognition_by_language") or {}
    width = max([len(language_name(code)) for code in languages] + [8])
    for code, count in languages.items():
        names = by.get(code)
        shown = names and names != stats.get("recogniser")  # "none (entities disabled)": said above, once
        print(f"  {code:<4}{language_name(code):<{width}} {count:>10,}" + (f"  names: {names}" if shown else ""))


def cmd_entities(args: argparse.Namespace) -> int:
    from search import engine_for
    from search.request import MAX_TOP, whole_number

    top = whole_number(args.top, "--top", high=MAX_TOP)
    backend, location = backend_options(args)
    results = engine_for(backend=backend, **location).search(args.query, page_size=1, facet_top=top)
    kinds = args.type or list(ENTITY_TYPES)
    table = {kind: [{"value": v.value, "count": v.count} for v in getattr(results.facets, kind)] for kind in kinds}
    if args.json:
        print(json.dumps(table, indent=2, ensure_ascii=False))
        return 0
    for kind in kinds:
        print(f"{kind}:")
        for row in table[kind]:
            print(f"  {row['count']:>6}  {row['value']}")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    from search import engine_for

    backend, location = backend_options(args)
    return research_cli.cmd_trends(args, engine_for(backend=backend, **location))


def cmd_serve(args: argparse.Namespace) -> int:
    from search import Engine
    from search.backends import index_location
    from web.serve import ListenError, serve

    backend, location = backend_options(args)
    engine = Engine(backend=backend, **location)
    try:
        serve(host=args.host, port=args.port, debug=args.debug, engine=engine,
              label=f"{index_location(backend, location)} ({backend})")
    except ListenError as exc:
        return _fail(str(exc), 1)
    return 0


def _in_cli_terms(message: str) -> str:
    """A parameter error from the search API, naming the options the user typed (`--from`,
    not `date_from`); quoted values (what the user typed) are left as they are."""
    parts = _QUOTED.split(message)
    return "".join(part if n % 2 else _PARAMETER.sub(lambda m: _OPTION_NAMES[m.group(1)], part)
                   for n, part in enumerate(parts))


def _fail(message: str, code: int) -> int:
    print(f"newsearch: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    from search.results import IncompatibleIndexError, IndexLockedError, IndexNotFoundError
    from search.results import BadParameterError, SearchError

    logging.basicConfig(level=logging.WARNING, format="newsearch: %(message)s")
    # The OpenSearch client logs every failed request with a traceback; our own messages say
    # what failed and what to do, once.
    for noisy in ("opensearch", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    args = build_parser().parse_args(argv)
    # The indexer's errors only for `index`: importing it pulls in the readers and entity
    # packages, ~0.1 s of CPU that every one-shot search or stats command would pay.
    run_errors: tuple[type[Exception], ...] = ()
    if args.command == "index":
        from newsearch.indexing import InputNotFoundError, RunFailedError
        run_errors = (InputNotFoundError, RunFailedError)
    unusable: tuple[type[Exception], ...] = (IndexNotFoundError, IncompatibleIndexError, IndexLockedError, *run_errors)
    handler = {"index": cmd_index, "search": cmd_search, "stats": cmd_stats,
               "entities": cmd_entities, "serve": cmd_serve, "trends": cmd_trends, "stories": cmd_stories,
               **dict.fromkeys(context_cli.COMMANDS, context_cli.run),
               **dict.fromkeys(memory_cli.COMMANDS, memory_cli.run)}[args.command]
    try:
        return handler(args)
    except BadParameterError as exc:
        return _fail(_in_cli_terms(str(exc)), 2)
    except SearchError as exc:
        return _fail(str(exc), 2)
    except unusable as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted; the index holds everything up to the last commit", 130)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
