"""Run the web app: waitress in production, Flask's reloading debug server only on request.

`newsearch serve` calls `serve()`. Waitress is a pure-Python multi-threaded WSGI server; the
Engine gives each thread its own searcher, so `threads` is simply how many searches run at once.
The socket is bound before the address is announced: "serving on ..." followed by a traceback
(the port was taken) told the person the opposite of what happened.
"""
from __future__ import annotations

import errno
import logging
import sys
from pathlib import Path

import waitress.server

from web import create_app

log = logging.getLogger("newsearch.web")

# Why a server could not listen, by errno, in the words a person running `serve` needs.
_LISTEN_REASONS = {
    errno.EADDRINUSE: "address already in use",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
    errno.EADDRNOTAVAIL: "no such address on this machine",
}


class ListenError(Exception):
    """The server could not listen on the host and port asked for (taken, not allowed, no such
    host); the message names them and says why, for one line on the command line."""


def serve(index_dir: Path | str | None = None, host: str = "127.0.0.1", port: int = 5000,
          debug: bool = False, threads: int = 4, label: str | None = None, **settings: object) -> None:
    """Serve the index at `index_dir` (or the `engine=` setting's) on http://host:port/ until
    interrupted; `label` names the index in the announcement.

    Raises `ListenError` when the address cannot be listened on; nothing is printed then.
    """
    # Writes without signing in only where nobody but this machine can reach the server.
    settings.setdefault("local_only", host in ("127.0.0.1", "::1", "localhost"))
    app = create_app(index_dir=index_dir, **settings)
    if debug:
        # Never the default: the debugger runs code in the browser for anyone who can reach it.
        app.run(host=host, port=port, debug=True, threaded=True)
        return
    server = _bind(app, host, port, threads)
    # Printed, not logged: the person who ran `make run` needs the address whatever the log level.
    print(f"newsearch: serving {label or index_dir} on {server_url(server)}/ ({threads} threads; Ctrl-C stops)",
          file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl-C is how a server is meant to stop: no message, no traceback
        pass
    finally:
        server.close()


def _bind(app, host: str, port: int, threads: int):
    """A waitress server already listening on host:port, or `ListenError` saying why not."""
    try:
        return waitress.server.create_server(app, host=host, port=port, threads=threads, ident="newsearch")
    except OSError as exc:
        known = _LISTEN_REASONS.get(exc.errno) if exc.errno is not None else None
        reason = known or exc.strerror or str(exc)
    except (ValueError, OverflowError):  # waitress: "Invalid host/port specified." (getaddrinfo failed)
        reason = "unknown host or invalid port"
    raise ListenError(f"cannot listen on {host}:{port}: {reason}")


def make_server(index_dir: Path | str | None = None, host: str = "127.0.0.1", port: int = 0,
                threads: int = 4, **settings: object):
    """A waitress server not yet running (for tests and the load benchmark): call
    `.run()` in a thread, `.close()` to stop; `port=0` picks a free port (see `server_url`)."""
    app = create_app(index_dir=index_dir, **settings)
    return _bind(app, host, port, threads)


def server_url(server) -> str:
    """The address a server listens on (its first, when a host name gave it several)."""
    if hasattr(server, "effective_listen"):  # waitress's MultiSocketServer, e.g. for "localhost"
        host, port = server.effective_listen[0]
    else:
        host, port = server.effective_host, server.effective_port
    if ":" in str(host):  # IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}"


__all__ = ["serve", "make_server", "server_url", "ListenError"]
