"""The command line's shared options: where the index is (a Whoosh folder or an OpenSearch
cluster) and the search parameters' flags, read from the one parameter table
(search/parameters.py). Every command module (cli.py, context_cli.py, memory_cli.py,
research_cli.py) adds its options from here, so a flag is spelled and checked in one place.
"""
from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from search.parameters import QUERY, Parameter

# The index location's options (search.backends' registry names them) and their flags.
_LOCATION_FLAGS = {"index_dir": "--index-dir", "url": "--opensearch-url", "index": "--opensearch-index",
                   "username": "--opensearch-user", "ca_certs": "--opensearch-ca-certs",
                   "verify_certs": "--opensearch-insecure"}


def add_index_dir(parser: argparse.ArgumentParser) -> None:
    """Where the index is: a Whoosh folder (the default) or an OpenSearch cluster."""
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="index folder (default: $NEWSEARCH_INDEX, else ./newsearch-index)")
    from search.backends import BACKENDS

    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="where the index is kept: whoosh, a folder on this machine (the default), or "
                             "opensearch, a cluster ($NEWSEARCH_BACKEND)")
    parser.add_argument("--opensearch-url", metavar="URL",
                        help="the cluster, e.g. https://search1:9200 (several comma-separated; "
                             "default $NEWSEARCH_OPENSEARCH_URL, else http://127.0.0.1:9200)")
    parser.add_argument("--opensearch-index", metavar="NAME",
                        help="the index alias (default $NEWSEARCH_OPENSEARCH_INDEX, else newsearch)")
    parser.add_argument("--opensearch-user", metavar="USER",
                        help="basic-auth user; the password only from $NEWSEARCH_OPENSEARCH_PASSWORD "
                             "(a command line is visible to every user of the machine)")
    parser.add_argument("--opensearch-ca-certs", metavar="FILE", help="CA bundle for an https cluster")
    parser.add_argument("--opensearch-insecure", action="store_true",
                        help="don't verify the cluster's TLS certificate (test clusters only)")


def backend_options(args: argparse.Namespace) -> tuple[str, dict]:
    """The backend's name and options from the command line (environment variables fill in);
    the registry refuses an option of another backend, naming its flag."""
    from search.backends import command_line_options

    given = {"index_dir": args.index_dir, "url": args.opensearch_url, "index": args.opensearch_index,
             "username": args.opensearch_user, "ca_certs": args.opensearch_ca_certs,
             "verify_certs": False if args.opensearch_insecure else None}
    return command_line_options(args.backend, given, _LOCATION_FLAGS)


def add_parameters(parser: argparse.ArgumentParser, parameters: Iterable[Parameter[Any]]) -> None:
    """The options of these search parameters, from the table (search/parameters.py): its flag,
    help, choices and default. Values stay text: the table's checks read them (ASCII digits,
    bounds named in the error), not argparse's int()/float(), which take "１０", "1_0" and "inf"."""
    for p in parameters:
        if p.flag is None:
            continue
        if p is QUERY:
            parser.add_argument("query", nargs="?", default=p.default, help=p.help)
        elif p.many:
            parser.add_argument(p.flag, dest=p.name, action="append", default=[], metavar=p.metavar, help=p.help)
        elif isinstance(p.default, bool):
            if p.default:
                raise ValueError(f"{p.name}: a flag that is on by default needs a --no- option")
            parser.add_argument(p.flag, dest=p.name, action="store_true", help=p.help)
        else:
            shown = f" (default {p.default})" if p.default is not None else ""
            parser.add_argument(p.flag, dest=p.name, default=None, choices=p.choices or None, metavar=p.metavar,
                                help=p.help + shown)


def given_parameters(args: argparse.Namespace, parameters: Iterable[Parameter[Any]]) -> dict[str, Any]:
    """The search parameters typed on the command line, by name (the query apart): what was
    not given is left to the table's default."""
    return {p.name: getattr(args, p.name) for p in parameters
            if p.flag and p is not QUERY and getattr(args, p.name, None) is not None}
