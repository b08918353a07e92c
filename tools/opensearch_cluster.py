"""A local OpenSearch cluster for development and CI, built from artifacts on Maven Central.

    python -m tools.opensearch_cluster start  [--nodes 3] [--data .cluster] [--base-port 9200]
    python -m tools.opensearch_cluster status [--data .cluster]
    python -m tools.opensearch_cluster stop   [--data .cluster]

`make cluster` / `make cluster-stop` run it as a plain script (`python3
tools/opensearch_cluster.py start ...`), which works without the venv: nothing here needs more than the standard
library, Java (11 to 23: OpenSearch 2.19 still runs under the Java security manager, which Java 24
removed) and Maven (`mvn`, only for the first start, to fetch the artifacts).

`start` is idempotent: on a running cluster it says so; with some nodes down (killed, say) it starts
just those and waits for green again. Each node gets a fixed heap (--heap, default 512m; the JVM
pre-touches it, so a node's RSS is about heap + 200 MiB: ~710 MiB at 512m, ~440 MiB at 256m).

What it runs: the `org.opensearch.distribution.integ-test-zip:opensearch` zip (the OpenSearch
server with only the transport-netty4 module, no security plugin, no bundled JDK), to which the
modules a search backend needs are added from their own published jars, each laid out as a
module folder with the plugin-descriptor.properties (and security policy) the build would have
written:

    lang-painless     scripts; analysis-common extends it
    analysis-common   the analyzers/tokenizers/filters beyond `standard` (stemmers, stop,
                      asciifolding, shingle, synonyms, the language analyzers such as `english`)
    mapper-extras     search_as_you_type, scaled_float, token_count, rank_feature(s)
    reindex           _reindex, _update_by_query, _delete_by_query

Layout under the data folder (DATA, default .cluster):

    DATA/cache/maven/            a throwaway Maven reactor whose copy-dependencies fetches the
                                 artifacts (mvn keeps its own copy in ~/.m2 as usual)
    DATA/opensearch-VERSION/     the assembled installation, shared read-only by the nodes
    DATA/node-N/config/          opensearch.yml, jvm.options, log4j2.properties (OPENSEARCH_PATH_CONF)
    DATA/node-N/data|logs|tmp/   the node's path.data, path.logs and java.io.tmpdir
    DATA/node-N/opensearch.pid   written by the node (`-p`)
    DATA/cluster.json            what `start` launched: nodes, ports, user (read by status/stop)

Node N (1-based) listens on 127.0.0.1 only: HTTP on base-port+N-1, transport on
base-port+100+N-1. OpenSearch refuses to run as root, so when this runs as root the nodes run as
an unprivileged user (`newsearch-os`, created with useradd if missing) that owns DATA/node-N.

From Python (a test fixture, say):

    from tools.opensearch_cluster import ClusterConfig, start, stop
    cfg = ClusterConfig(data=Path(".cluster"), nodes=3)
    urls = start(cfg)          # ["http://127.0.0.1:9200", ...] once every node has joined
    ...
    stop(cfg)

`java_problem()` says why no cluster can be started here (no usable Java), or None.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TypeGuard

if not __package__:  # run as a plain script (`make cluster` needs no venv): the repository's root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # makes `tools` importable
from tools.opensearch_cluster_setup import (CLUSTER_NAME, DEFAULT_HEAP, DEFAULT_TIMEOUT,  # noqa: E402, F401
                                            NODE_MAIN_CLASS, NODE_USER, OPENSEARCH_VERSION, ClusterConfig,
                                            ClusterError, Node, _say, find_java, install, java_problem)


# --- processes ----------------------------------------------------------------------------------

def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _is_node_process(pid: int, node: Node) -> bool:
    args = _cmdline(pid)
    return NODE_MAIN_CLASS in args and f"-Dopensearch.path.conf={node.conf}" in args


def node_pid(node: Node) -> int | None:
    """The pid of the node's JVM if it runs: from its pid file, else found by its config path."""
    try:
        pid = int(node.pid_file.read_text().strip())
        if _is_node_process(pid, node):
            return pid
    except (OSError, ValueError):
        pass
    proc = Path("/proc")
    for entry in proc.iterdir():
        if entry.name.isdigit() and _is_node_process(int(entry.name), node):
            return int(entry.name)
    return None


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def _get_json(url: str, timeout: float = 5.0) -> dict | None:
    try:
        with _opener.open(url, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _tail(path: Path, lines: int = 20, width: int = 400) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(line if len(line) <= width else line[:width] + " ..." for line in text[-lines:])


# What every start prints on the console, and says nothing about a failure.
_CONSOLE_NOISE = re.compile(r"^(WARNING: .*(SecurityManager|setSecurityManager|terminally deprecated|"
                            r"reporting this to the maintainers)|warning: no-jdk distributions)")


def _logs_tail(nodes: list[Node], lines: int = 15) -> str:
    parts = []
    for node in nodes:
        try:
            console = (node.logs / "console.log").read_text(errors="replace").splitlines()
        except OSError:
            console = []
        console = [line for line in console if line.strip() and not _CONSOLE_NOISE.match(line)]
        if console:
            parts.append(f"--- {node.logs / 'console.log'} ---\n" + "\n".join(console[-lines:]))
        log = node.logs / f"{node.cfg.cluster_name}.log"
        tail = _tail(log, lines)
        if tail:
            parts.append(f"--- {log} (last {lines} lines) ---\n{tail}")
    return "\n".join(parts) or "(the nodes wrote no log yet)"


# --- the node user ------------------------------------------------------------------------------

def _node_user(cfg: ClusterConfig) -> tuple[int, int] | None:
    """(uid, gid) to run the nodes as, creating the user if needed; None when not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(cfg.user)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        cmd = [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
               "--shell", "/usr/sbin/nologin", cfg.user]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise ClusterError(f"OpenSearch refuses to run as root and the user {cfg.user} could not be "
                               f"created ({' '.join(cmd)}): {result.stderr.strip()}") from None
        entry = pwd.getpwnam(cfg.user)
        _say(cfg, f"created the unprivileged user {cfg.user} to run the nodes")
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, ids: tuple[int, int]) -> None:
    for root, dirs, files in os.walk(path):
        os.chown(root, *ids)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), *ids)


def _check_reachable(node: Node, ids: tuple[int, int]) -> None:
    """The node user must reach the installation and its own folder (every parent searchable)."""
    for path, flag in ((node.cfg.home / "bin" / "opensearch", "-x"), (node.dir, "-w")):
        probe = subprocess.run(["test", flag, str(path)], user=ids[0], group=ids[1], extra_groups=[])
        if probe.returncode != 0:
            raise ClusterError(f"the node user {node.cfg.user} cannot reach {path}: a parent folder of "
                               f"{node.cfg.data} is not searchable by others (chmod o+x it, or use --data "
                               "under /tmp or /srv)")


# --- configuration ------------------------------------------------------------------------------

def _yaml(value: object) -> str:
    return json.dumps(value)  # JSON scalars and lists are YAML


def write_node_config(node: Node) -> None:
    cfg = node.cfg
    for folder in (node.conf, node.conf / "jvm.options.d", node.dir / "data", node.logs, node.dir / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    settings: dict[str, object] = {
        "cluster.name": cfg.cluster_name,
        "node.name": node.name,
        "network.host": "127.0.0.1",
        "http.port": node.http_port,
        "transport.port": node.transport_port,
        "path.data": str(node.dir / "data"),
        "path.logs": str(node.logs),
        # A developer's disk may be fuller than the default watermarks allow.
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
    if cfg.nodes == 1:
        settings["discovery.type"] = "single-node"
    else:
        peers = cfg.all_nodes()
        settings["discovery.seed_hosts"] = [f"127.0.0.1:{peer.transport_port}" for peer in peers]
        settings["cluster.initial_cluster_manager_nodes"] = [peer.name for peer in peers]
    if (cfg.home / "plugins" / "opensearch-security").exists():
        settings["plugins.security.disabled"] = True
    settings.update(cfg.extra_settings)
    lines = ["# Written by tools/opensearch_cluster.py on every start: edit that, not this."]
    lines += [f"{key}: {_yaml(value)}" for key, value in settings.items()]
    (node.conf / "opensearch.yml").write_text("\n".join(lines) + "\n")

    # The distribution's jvm.options with a small heap and the files it writes in this node's logs
    # (as shipped they are relative to the installation, shared by every node).
    options = []
    for line in (cfg.home / "config" / "jvm.options").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("-Xms"):
            line = f"-Xms{cfg.heap}"
        elif stripped.startswith("-Xmx"):
            line = f"-Xmx{cfg.heap}"
        elif "HeapDumpOnOutOfMemoryError" in stripped:
            line = "-XX:-HeapDumpOnOutOfMemoryError"  # a dev cluster has no use for heap-sized dumps
        elif "-XX:HeapDumpPath=" in stripped:
            line = f"-XX:HeapDumpPath={node.logs}"
        elif "-XX:ErrorFile=" in stripped:
            line = f"-XX:ErrorFile={node.logs}/hs_err_pid%p.log"
        elif "-Xlog:gc" in stripped:
            line = f"9-:-Xlog:gc*:file={node.logs}/gc.log:utctime,pid,tags:filecount=2,filesize=16m"
        elif "-Xloggc:" in stripped or "UseGCLogFileRotation" in stripped or "GCLogFile" in stripped:
            continue
        options.append(line)
    (node.conf / "jvm.options").write_text("\n".join(options) + "\n")
    shutil.copy2(cfg.home / "config" / "log4j2.properties", node.conf / "log4j2.properties")


# --- start / stop / status ----------------------------------------------------------------------

def _read_state(data: Path) -> dict | None:
    try:
        return json.loads((Path(data).absolute() / "cluster.json").read_text())
    except (OSError, ValueError):
        return None


def _health(cfg: ClusterConfig, nodes: list[Node], timeout: float = 5.0) -> dict | None:
    want = "yellow" if cfg.nodes == 1 else "green"
    query = (f"/_cluster/health?wait_for_status={want}&wait_for_nodes={cfg.nodes}"
             f"&timeout={max(1, int(timeout))}s")
    for node in nodes:
        health = _get_json(node.url + query, timeout=timeout + 5)
        if health is not None:
            return health
    return None


def _healthy(health: dict | None, cfg: ClusterConfig) -> TypeGuard[dict]:
    if not health or health.get("number_of_nodes") != cfg.nodes:
        return False
    return health.get("status") == "green" or (cfg.nodes == 1 and health.get("status") == "yellow")


def _launch(node: Node, java_home: Path, ids: tuple[int, int] | None) -> subprocess.Popen:
    cfg = node.cfg
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "OPENSEARCH_JAVA_HOME": str(java_home),
        "OPENSEARCH_PATH_CONF": str(node.conf),
        "OPENSEARCH_TMPDIR": str(node.dir / "tmp"),
        "HOME": str(node.dir),
        "LANG": "C.UTF-8",
    }
    console = open(node.logs / "console.log", "wb")  # this launch's output only
    if ids:
        os.chown(node.logs / "console.log", *ids)
    kwargs: dict = {}
    if ids:
        kwargs = {"user": ids[0], "group": ids[1], "extra_groups": []}
    try:
        return subprocess.Popen([str(cfg.home / "bin" / "opensearch"), "-d", "-p", str(node.pid_file)],
                                cwd=str(cfg.home), env=env, stdin=subprocess.DEVNULL, stdout=console,
                                stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    finally:
        console.close()


def start(cfg: ClusterConfig) -> list[str]:
    """Start the cluster (or the nodes of it that are not running) and wait until every node has
    joined and the cluster is green (yellow for one node). Returns the nodes' HTTP URLs."""
    began = time.monotonic()
    state = _read_state(cfg.data)
    nodes = cfg.all_nodes()
    if state and (state.get("nodes"), state.get("base_port")) != (cfg.nodes, cfg.base_port):
        before = f"{state.get('nodes')} node(s) on base port {state.get('base_port')}"
        if any(node_pid(node) for node in _known_nodes(cfg.data)):
            raise ClusterError(f"the cluster in {cfg.data} runs with {before}; stop it first "
                               f"(cluster.py stop --data {cfg.data})")
        if state.get("nodes") != cfg.nodes and any((cfg.data / f"node-{n}" / "data").exists()
                                                   for n in range(1, state.get("nodes", 0) + 1)):
            raise ClusterError(f"the data in {cfg.data} belongs to a cluster of {before}; to start "
                               f"{cfg.nodes} node(s), remove {cfg.data}/node-* first (the installation and "
                               "the download cache beside them can stay) or use another --data")
    running = {node.n: pid for node in nodes if (pid := node_pid(node))}
    if len(running) == cfg.nodes:
        health = _health(cfg, nodes, timeout=min(cfg.timeout, 30))
        if _healthy(health, cfg):
            _say(cfg, f"cluster {cfg.cluster_name} already running: {cfg.nodes} node(s), status "
                      f"{health['status']}, {', '.join(cfg.urls())}")
            return cfg.urls()
    java_home, java_version = find_java()
    missing = [node for node in nodes if node.n not in running]
    for node in missing:
        for port in (node.http_port, node.transport_port):
            if not _port_free(port):
                raise ClusterError(f"port {port} on 127.0.0.1 (for {node.name}) is taken by another program; "
                                   "free it or pick other ports with --base-port")
    home = install(cfg)
    ids = _node_user(cfg)
    cfg.data.mkdir(parents=True, exist_ok=True)
    for node in missing:
        write_node_config(node)
        node.pid_file.unlink(missing_ok=True)
        if ids:
            _chown_tree(node.dir, ids)
            _check_reachable(node, ids)
    cfg.state_file.write_text(json.dumps({
        "nodes": cfg.nodes, "base_port": cfg.base_port, "version": cfg.version, "heap": cfg.heap,
        "cluster_name": cfg.cluster_name, "user": cfg.user if ids else None, "java_home": str(java_home),
        "urls": cfg.urls()}, indent=2) + "\n")
    if missing:
        who = f" as {cfg.user}" if ids else ""
        _say(cfg, f"starting {', '.join(n.name for n in missing)}{who} (OpenSearch {cfg.version}, "
                  f"Java {java_version}, heap {cfg.heap}) from {home}")
    launchers = [(node, _launch(node, java_home, ids)) for node in missing]
    for node, proc in launchers:
        try:
            code = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = -1
        if code != 0:
            tail = _logs_tail([node])
            stop_nodes(missing, grace=10)
            raise ClusterError(f"bin/opensearch for {node.name} exited with {code}; the nodes started now were "
                               f"stopped.\n{tail}")
    deadline = began + cfg.timeout
    launched = time.monotonic()
    health = None
    while True:
        for node in missing:
            # bin/opensearch returned once the JVM was forked; a few seconds on, no JVM means it died.
            if node_pid(node) is None and time.monotonic() - launched > 5:
                tail = _logs_tail([node], 40)
                stop_nodes(missing, grace=10)
                raise ClusterError(f"{node.name} stopped while starting; the nodes started now were stopped."
                                   f"\n{tail}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        health = _health(cfg, nodes, timeout=min(5.0, max(1.0, remaining)))
        if _healthy(health, cfg):
            break
        if health is None:
            time.sleep(1)
    if _healthy(health, cfg):
        elapsed = time.monotonic() - began
        _say(cfg, f"cluster {cfg.cluster_name} ready in {elapsed:.1f}s: {cfg.nodes} node(s), status "
                  f"{health['status']}, {', '.join(cfg.urls())} (data in {cfg.data})")
        return cfg.urls()
    seen = (f"last health: status {health.get('status')}, {health.get('number_of_nodes')} of {cfg.nodes} "
            f"node(s)" if health else "no node answered HTTP")
    tail = _logs_tail(nodes)
    stop_nodes(missing, grace=10)
    raise ClusterError(f"the cluster did not become ready within {cfg.timeout:.0f}s ({seen}); the nodes "
                       f"started now were stopped.\n{tail}")


def _known_nodes(data: Path) -> list[Node]:
    """Every node folder under the data folder (whatever --nodes was), for stop and status."""
    data = Path(data).absolute()
    state = _read_state(data) or {}
    count = max([int(p.name.split("-")[1]) for p in data.glob("node-*") if p.name.split("-")[1].isdigit()]
                + [state.get("nodes", 0), 1])
    cfg = ClusterConfig(data=data, nodes=min(count, 9), base_port=state.get("base_port", 9200))
    return cfg.all_nodes()


def stop_nodes(nodes: list[Node], grace: float = 30.0) -> tuple[list[str], list[str]]:
    """SIGTERM the nodes' JVMs, SIGKILL those still there after `grace` seconds. Returns the
    names of the nodes that were running and of those that had to be killed."""
    pids = {node.name: pid for node in nodes if (pid := node_pid(node))}
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids.values()):
        time.sleep(0.2)
    killed = []
    for name, pid in pids.items():
        if Path(f"/proc/{pid}").exists():
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(name)
            except ProcessLookupError:
                pass
    for node in nodes:
        try:
            node.pid_file.unlink(missing_ok=True)
        except OSError:
            pass
    return list(pids), killed


def stop(cfg: ClusterConfig, quiet: bool = False, grace: float = 30.0) -> int:
    """Stop every node running from the data folder (whatever --nodes says). Returns how many ran."""
    stopped, killed = stop_nodes(_known_nodes(cfg.data), grace)
    if not quiet and not cfg.quiet:
        if stopped:
            extra = f" ({', '.join(killed)} killed after {grace:.0f}s)" if killed else ""
            print(f"stopped {', '.join(stopped)}{extra}")
        else:
            print(f"no cluster node running from {Path(cfg.data).absolute()}")
    return len(stopped)


def status(cfg: ClusterConfig) -> bool:
    """Print each node (pid, ports, memory) and the cluster health; True when every node runs and
    the cluster answers."""
    state = _read_state(cfg.data)
    if state is None:
        print(f"no cluster in {cfg.data} (never started)")
        return False
    nodes = _known_nodes(cfg.data)[: state.get("nodes", 0)] or _known_nodes(cfg.data)
    alive = 0
    for node in nodes:
        pid = node_pid(node)
        alive += pid is not None
        memory = f", RSS {rss_mib(pid):.0f} MiB" if pid and rss_mib(pid) else ""
        print(f"{node.name}: {'running, pid ' + str(pid) if pid else 'not running'}, http {node.url}, "
              f"transport {node.transport_port}{memory}")
    health = None
    for node in nodes:
        health = _get_json(node.url + "/_cluster/health", timeout=5)
        if health:
            break
    if health:
        print(f"cluster {health.get('cluster_name')}: status {health.get('status')}, "
              f"{health.get('number_of_nodes')} node(s), {health.get('active_shards')} active shard(s), "
              f"{health.get('unassigned_shards')} unassigned")
    else:
        print("cluster: no node answers HTTP")
    return health is not None and alive == len(nodes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.opensearch_cluster",
                                     description="A local OpenSearch cluster on 127.0.0.1 for development and CI.")
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--nodes", type=int, default=3, help="number of nodes (default 3)")
    parser.add_argument("--data", type=Path, default=Path(".cluster"),
                        help="folder for the installation, the nodes' data and logs (default .cluster)")
    parser.add_argument("--base-port", type=int, default=9200,
                        help="HTTP port of node-1; node N uses base+N-1, transport base+100+N-1 (default 9200)")
    parser.add_argument("--heap", default=DEFAULT_HEAP, help=f"JVM heap per node (default {DEFAULT_HEAP})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds to wait for the cluster to be ready (default {DEFAULT_TIMEOUT:.0f})")
    args = parser.parse_args(argv)
    try:
        cfg = ClusterConfig(data=args.data, nodes=args.nodes, base_port=args.base_port, heap=args.heap,
                            timeout=args.timeout)
        if args.command == "start":
            start(cfg)
            return 0
        if args.command == "stop":
            stop(cfg)
            return 0
        return 0 if status(cfg) else 1
    except ClusterError as exc:
        print(f"cluster {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
