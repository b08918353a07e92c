"""The researcher's memory on the command line (issue 22): saved searches, tags, collections,
and the store's backup. Thin over search.memory: the same answers as the Python API.

    newsearch save NAME QUERY [filters] [--replace]     newsearch saved [NAME] [--export csv|jsonl] [--delete]
    newsearch tag NAME [QUERY] [filters] [--reapply]    newsearch tag NAME --id ID ... [--remove]
    newsearch tags [NAME] [--reapply-rules] [--delete]  newsearch collection NAME SOURCE ... / --delete
    newsearch collections                                newsearch export-state FILE / import-state FILE

Who: every change records its author, the local user (`getpass.getuser()`), or `--as NAME`.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsearch.options import add_index_dir, add_parameters, backend_options, given_parameters
from search.parameters import PARAMETERS, QUERY

# The search parameters a saved search or a tag rule takes (what chooses the articles).
_KEPT_FLAGS = tuple(p for p in PARAMETERS if p.name in
                    ("person", "org", "place", "source", "language", "date_from", "date_to", "sort", "recency",
                     "collapse", "story"))
COMMANDS = ("save", "saved", "tag", "tags", "collection", "collections", "export-state", "import-state",
            "account", "token")


def add_memory_parsers(commands) -> None:
    """The memory's subcommands, with the index's location options and the search filters; each
    is run on the index its location options name."""
    def located(p: argparse.ArgumentParser) -> None:
        add_index_dir(p)

    def author(p: argparse.ArgumentParser) -> None:
        p.add_argument("--as", dest="author", metavar="NAME", help="who makes the change (default: the local user)")

    p = commands.add_parser("save", help="save a search under a name, its result set frozen")
    p.add_argument("name", help="the saved search's name (any text up to 100 characters)")
    add_parameters(p, (QUERY, *_KEPT_FLAGS))
    p.add_argument("--replace", action="store_true", help="replace a saved search of the same name")
    author(p)
    located(p)

    p = commands.add_parser("saved", help="list saved searches, or open one (frozen set, what changed since)")
    p.add_argument("name", nargs="?", help="the saved search to open")
    p.add_argument("--export", choices=("csv", "jsonl"), help="write the frozen set, exactly as saved")
    p.add_argument("--delete", action="store_true", help="delete the saved search")
    p.add_argument("--json", action="store_true", help="print as JSON")
    located(p)

    p = commands.add_parser("tag", help="tag articles: every match of a query (a rule), or by id")
    p.add_argument("name", help="the tag")
    add_parameters(p, (QUERY, *_KEPT_FLAGS))
    p.add_argument("--id", dest="ids", action="append", default=[], metavar="ID", help="an article id (repeat)")
    p.add_argument("--reapply", action="store_true",
                   help="keep the query as a rule that also tags articles later index runs add")
    p.add_argument("--remove", action="store_true", help="take the tag off the --id articles")
    author(p)
    located(p)

    p = commands.add_parser("tags", help="list tags with counts, or one tag's articles")
    p.add_argument("name", nargs="?", help="the tag whose article ids to list")
    p.add_argument("--reapply-rules", action="store_true", help="run the re-applied rules now (tags new matches)")
    p.add_argument("--delete", action="store_true", help="remove the tag from every article, with its rules")
    p.add_argument("--json", action="store_true", help="print as JSON")
    located(p)

    p = commands.add_parser("collection", help="define a collection of sources (collection:NAME in queries)")
    p.add_argument("name")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="sources as the source facet names them")
    p.add_argument("--delete", action="store_true", help="delete the collection")
    author(p)
    located(p)

    p = commands.add_parser("collections", help="list collections with their sources and article counts")
    p.add_argument("--json", action="store_true", help="print as JSON")
    located(p)

    p = commands.add_parser("export-state", help="write saved searches, tags and collections to a file")
    p.add_argument("file", type=Path)
    located(p)
    p = commands.add_parser("import-state", help="merge a file written by export-state")
    p.add_argument("file", type=Path)
    p.add_argument("--replace", action="store_true", help="replace saved searches and collections of the same name")
    located(p)

    p = commands.add_parser("account", help="accounts that may change the memory on a server beyond localhost")
    p.add_argument("action", choices=("add", "remove", "list", "password"))
    p.add_argument("name", nargs="?")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    located(p)
    p = commands.add_parser("token", help="API tokens for programs (Authorization: Bearer TOKEN)")
    p.add_argument("action", choices=("add", "revoke"))
    p.add_argument("account")
    p.add_argument("--label", default="", help="what the token is for")
    located(p)


def run(args: argparse.Namespace) -> int:
    """Run one memory command on its index's store (cli.py's handler for them); a store's
    refusal (unknown name, name taken, bad file) exits 2 with its message."""
    from search import engine_for
    from search.memory.store import StoreError, store_for

    backend, location = backend_options(args)
    engine = engine_for(backend=backend, **location)
    given = given_parameters(args, _KEPT_FLAGS)
    try:
        store = store_for(engine)
        try:
            return _COMMANDS[args.command](args, engine, store, given)
        finally:
            store.close()
    except StoreError as error:
        print(f"newsearch: {error}", file=sys.stderr)
        return 2


def _author(args: argparse.Namespace) -> str:
    return args.author or getpass.getuser()


def _request(args: argparse.Namespace, given: dict[str, Any]):
    from search.request import SearchRequest

    return SearchRequest.build(args.query, **given)


def _save(args, engine, store, given) -> int:
    from search.memory import saved

    kept = saved.save(engine, store, args.name, _request(args, given), author=_author(args), replace=args.replace)
    print(f"saved “{kept.name}”: {kept.total:,} articles, {kept.frozen:,} frozen")
    print(kept.citation())
    return 0


def _saved(args, engine, store, given) -> int:
    from search.memory import saved

    if args.name is None:
        listed = saved.saved_searches(store)
        if args.json:
            print(json.dumps([s.to_dict() for s in listed], indent=2, ensure_ascii=False))
        for s in [] if args.json else listed:
            print(f"{s.saved_at:%Y-%m-%d %H:%M}  {s.total:>7,}  {s.name}  ({s.query or 'every article'}; by {s.author})")
        if not listed and not args.json:
            print("no saved searches yet: newsearch save NAME QUERY")
        return 0
    if args.delete:
        saved.delete(store, args.name)
        print(f"deleted the saved search “{args.name}”")
        return 0
    if args.export:
        for line in saved.export_frozen(engine, store, args.name, args.export):
            sys.stdout.write(line)
        return 0
    reopened = saved.reopen(engine, store, args.name)
    if args.json:
        print(json.dumps({**reopened.saved.to_dict(), "new_total": reopened.new_total, "new_ids": reopened.new_ids,
                          "gone": reopened.gone, "same_index": reopened.same_index}, indent=2, ensure_ascii=False))
        return 0
    print(reopened.saved.citation())
    print(reopened.summary())
    first = list(saved.frozen_ids(store, reopened.saved.name, limit=10))
    records = {r.id: r for r in engine.articles(first)}
    print("the saved set begins:")
    for article_id in first:
        record = records.get(article_id)
        print(f"  {record.title if record else '(no longer in the index)'}  [{article_id}]")
    if reopened.new_ids:
        print(f"new since it was saved (first {len(reopened.new_ids)}):")
        for record in engine.articles(reopened.new_ids[:10]):
            print(f"  {record.title}  [{record.id}]")
    return 0


def _tag(args, engine, store, given) -> int:
    from search.memory import tags
    from search.results import BadParameterError

    if args.ids:
        if args.query:
            raise BadParameterError("tag either a query's matches or --id articles, not both")
        if args.remove:
            print(f"took “{args.name}” off {tags.untag_articles(store, args.name, args.ids):,} articles")
        else:
            print(f"tagged {tags.tag_articles(store, args.name, args.ids, author=_author(args)):,} articles "
                  f"“{args.name}”")
        return 0
    if args.remove:
        raise BadParameterError("--remove takes the tag off --id articles; to drop a tag: newsearch tags NAME --delete")
    if not args.query and not given:
        raise BadParameterError("give a query (or filters) whose matches to tag, or --id articles")
    rule, added = tags.tag_by_query(engine, store, args.name, _request(args, given), author=_author(args),
                                    reapply=args.reapply)
    print(f"tagged {added:,} articles “{rule.tag}” (rule {rule.id}: "
          f"{'re-applied to new articles' if rule.reapply else 'applied once'})")
    return 0


def _tags(args, engine, store, given) -> int:
    from search.memory import tags

    if args.reapply_rules:
        for tag, added in tags.reapply_rules(engine, store).items():
            print(f"{added:>7,}  new articles tagged “{tag}”")
        return 0
    if args.name is not None:
        if args.delete:
            print(f"removed “{args.name}” from {tags.delete_tag(store, args.name):,} articles")
            return 0
        for article_id in tags.tagged(store, args.name):
            print(article_id)
        return 0
    listed = tags.tags(store)
    if args.json:
        print(json.dumps([{"tag": t, "articles": n} for t, n in listed], indent=2, ensure_ascii=False))
        return 0
    for tag, count in listed:
        print(f"{count:>7,}  {tag}")
    if not listed:
        print("no tags yet: newsearch tag NAME QUERY, or newsearch tag NAME --id ID")
    return 0


def _collection(args, engine, store, given) -> int:
    from search.memory import collections

    if args.delete:
        collections.delete(store, args.name)
        print(f"deleted the collection “{args.name}”")
        return 0
    made = collections.define(store, args.name, args.sources, author=_author(args))
    print(f"collection “{made.name}”: {', '.join(made.sources)} (search it with collection:\"{made.name}\")")
    return 0


def _collections(args, engine, store, given) -> int:
    from search.memory import collections

    every = engine.search("", page_size=1, facet_top=1000)
    counts = dict(collections.counts(store, {f.value: f.count for f in every.facets.source}))
    listed = collections.collections(store)
    if args.json:
        print(json.dumps([{**c.to_dict(), "articles": counts.get(c.name, 0)} for c in listed], indent=2,
                         ensure_ascii=False))
        return 0
    for c in listed:
        print(f"{counts.get(c.name, 0):>7,}  {c.name}: {', '.join(c.sources)}")
    if not listed:
        print("no collections yet: newsearch collection NAME SOURCE ...")
    return 0


def _export_state(args, engine, store, given) -> int:
    from search.memory import backup

    print(f"wrote {backup.export_state(store, args.file):,} rows to {args.file}")
    return 0


def _import_state(args, engine, store, given) -> int:
    from search.memory import backup

    added = backup.import_state(store, args.file, replace=args.replace)
    skipped = added.pop("skipped")
    print("imported " + ", ".join(f"{n:,} {table}" for table, n in added.items() if n)
          + (f"; skipped {skipped} saved searches/collections whose names exist (--replace replaces them)"
             if skipped else ""))
    return 0


def _account(args, engine, store, given) -> int:
    from search.memory import accounts
    from search.results import BadParameterError

    if args.action == "list":
        for name in accounts.accounts(store):
            print(name)
        return 0
    if not args.name:
        raise BadParameterError(f"account {args.action} needs the account's name")
    if args.action == "remove":
        accounts.remove_account(store, args.name)
        print(f"removed the account {args.name!r} and its tokens")
        return 0
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    accounts.add_account(store, args.name, password, replace=args.action == "password")
    print(f"{'set the password of' if args.action == 'password' else 'made'} the account {args.name!r}")
    return 0


def _token(args, engine, store, given) -> int:
    from search.memory import accounts

    if args.action == "revoke":
        print(f"revoked {accounts.revoke_tokens(store, args.account)} tokens of {args.account!r}")
        return 0
    print(accounts.add_token(store, args.account, args.label))
    print("keep it secret: it is shown only now", file=sys.stderr)
    return 0


def reapply_after_index(backend: str, location: dict) -> dict[str, int]:
    """After an index run: the tag rules kept with --reapply tag the new articles that match them
    ({tag: newly tagged}). A Whoosh index without a store is left without one; a store that
    cannot be read is said on stderr and never fails the run, whose articles are committed."""
    from search import engine_for
    from search.memory import tags
    from search.memory.store import STORE_NAME, StoreError, store_for
    from search.results import SearchError

    index_dir = location.get("index_dir")
    if backend == "whoosh" and (index_dir is None or not (Path(index_dir) / STORE_NAME).exists()):
        return {}
    try:
        engine = engine_for(backend=backend, **location)
        store = store_for(engine)
        if not any(rule.reapply for rule in tags.rules(store)):
            return {}
        return tags.reapply_rules(engine, store)
    except (StoreError, SearchError) as error:
        print(f"newsearch: the tag rules were not re-applied: {error}", file=sys.stderr)
        return {}


_COMMANDS: dict[str, Callable[..., int]] = {
    "save": _save, "saved": _saved, "tag": _tag, "tags": _tags, "collection": _collection,
    "collections": _collections, "export-state": _export_state, "import-state": _import_state,
    "account": _account, "token": _token}

__all__ = ["add_memory_parsers", "run", "reapply_after_index", "COMMANDS"]
