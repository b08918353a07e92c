"""Run the web app: waitress in production, Flask's reloading debug server only on request.

`newsearch serve` calls `serve()`. Waitress is a pure-Python multi-threaded WSGI server; the
Engine gives each thread its own searcher, so `threads` is simply how many searches run at once.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from web import create_app

log = logging.getLogger("newsearch.web")


def serve(index_dir: Path | str | None = None, host: str = "127.0.0.1", port: int = 5000,
          debug: bool = False, threads: int = 4, **settings: object) -> None:
    """Serve the index at `index_dir` on http://host:port/ until interrupted."""
    app = create_app(index_dir=index_dir, **settings)
    if debug:
        # Never the default: the debugger runs code in the browser for anyone who can reach it.
        app.run(host=host, port=port, debug=True, threaded=True)
        return
    from waitress import serve as waitress_serve

    # Printed, not logged: the person who ran `make run` needs the address whatever the log level.
    print(f"newsearch: serving {index_dir} on http://{host}:{port}/ ({threads} threads; Ctrl-C stops)",
          file=sys.stderr, flush=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="newsearch")


def make_server(index_dir: Path | str | None = None, host: str = "127.0.0.1", port: int = 0,
                threads: int = 4, **settings: object):
    """A waitress server not yet running (for tests and the load benchmark): call
    `.run()` in a thread, `.close()` to stop; `port=0` picks a free port (see `server_url`)."""
    from waitress.server import create_server

    app = create_app(index_dir=index_dir, **settings)
    return create_server(app, host=host, port=port, threads=threads, ident="newsearch")


def server_url(server) -> str:
    host, port = server.effective_host, server.effective_port
    return f"http://{host}:{port}"
