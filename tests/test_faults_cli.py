"""Command-line faults: parameter errors in the CLI's own words, and a busy port for `serve`."""
from __future__ import annotations

import socket
import subprocess

import pytest

from tests.test_cli import COMMAND, REPO, SEEDS, assert_one_line_error, newsearch


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    ix = tmp_path_factory.mktemp("cli-faults") / "ix"
    result = newsearch("index", SEEDS, "--no-entities", index_dir=ix)
    assert result.returncode == 0, result.stderr
    return ix


def test_reversed_date_range_is_one_line_naming_the_options(seeded):
    line = assert_one_line_error(newsearch("search", "kim", "--from", "1987-05", "--to", "1987-03",
                                           index_dir=seeded), 2)
    assert line.startswith("newsearch: --from (1987-05-01) is after --to (1987-03-31)"), line


def test_parameter_errors_name_the_cli_options(seeded):
    line = assert_one_line_error(newsearch("search", "kim", "--page-size", "500", index_dir=seeded), 2)
    assert "--page-size" in line and "page_size" not in line
    line = assert_one_line_error(newsearch("search", "kim", "--from", "page", index_dir=seeded), 2)
    assert line.startswith("newsearch: --from: cannot read date 'page'"), line  # quoted input left alone


def test_serve_on_a_busy_port_says_so_in_one_line(seeded):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = newsearch("serve", "--port", port, index_dir=seeded, timeout=60)
    line = assert_one_line_error(result, 1)
    assert line == f"newsearch: cannot listen on 127.0.0.1:{port}: address already in use"
    assert "serving" not in result.stdout + result.stderr


def test_serve_on_an_unknown_host_says_so_in_one_line(seeded):
    result = newsearch("serve", "--host", "no-such-host.invalid", "--port", "0", index_dir=seeded, timeout=60)
    line = assert_one_line_error(result, 1)
    assert line.startswith("newsearch: cannot listen on no-such-host.invalid:0: ")


def test_serve_announces_only_once_listening(seeded):
    """The address is printed after the socket is bound, and the server answers at once."""
    import json
    import os
    import urllib.request

    env = dict(os.environ, NEWSEARCH_INDEX=str(seeded))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([*COMMAND, "serve", "--port", str(port)], cwd=REPO, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert f"http://127.0.0.1:{port}/" in line, line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=10) as response:
            assert json.load(response)["documents"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_binds_before_announcing_and_stops_quietly_on_ctrl_c(monkeypatch, capsys, seeded):
    """In-process: `create_server` (which binds) comes first, then the line, then `run`."""
    import waitress.server

    from web import serve as serve_module

    events = []

    class FakeServer:
        effective_host, effective_port = "127.0.0.1", 5123

        def run(self):
            events.append(("run", capsys.readouterr().err))
            raise KeyboardInterrupt

        def close(self):
            events.append(("close", None))

    def create_server(app, **kw):
        events.append(("bind", kw))
        return FakeServer()

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    serve_module.serve(seeded, port=5123, threads=3)
    assert [e[0] for e in events] == ["bind", "run", "close"]
    assert events[0][1] == {"host": "127.0.0.1", "port": 5123, "threads": 3, "ident": "newsearch"}
    assert "on http://127.0.0.1:5123/" in events[1][1]

    def busy(app, **kw):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(waitress.server, "create_server", busy)
    with pytest.raises(serve_module.ListenError, match="cannot listen on 127.0.0.1:5123: address already in use"):
        serve_module.serve(seeded, port=5123)
    assert "serving" not in capsys.readouterr().err
