"""Building a local OpenSearch node installation from Maven Central (see cluster.py): the
settings of a cluster and its nodes, finding a usable Java, fetching the artifacts with mvn, and
laying out the server and its modules. Standard library only, like cluster.py.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

OPENSEARCH_VERSION = "2.19.6"
DIST_ARTIFACT = "org.opensearch.distribution.integ-test-zip:opensearch"
CLUSTER_NAME = "newsearch-dev"
NODE_USER = "newsearch-os"
DEFAULT_HEAP = "512m"
DEFAULT_TIMEOUT = 240.0
DEPENDENCY_PLUGIN_VERSION = "3.6.1"
# The JVM that runs the node's class (the launcher scripts start three short-lived JVMs before it).
NODE_MAIN_CLASS = "org.opensearch.bootstrap.OpenSearch"
# OpenSearch 2.19 needs Java 11+ and the security manager (gone in Java 24).
JAVA_MIN, JAVA_MAX = 11, 23


class ClusterError(Exception):
    """A start/stop that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Module:
    """An OpenSearch module published on Maven Central as a plain jar, and what its build would
    have written beside it (plugin-descriptor.properties, plugin-security.policy)."""
    name: str
    artifact: str  # groupId:artifactId
    classname: str
    description: str
    extended: tuple[str, ...] = ()
    policy: str = ""


PAINLESS_POLICY = """grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";

  // needed to find the classloader to load whitelisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
"""

REINDEX_POLICY = """grant {
  // reindex opens socket connections using the rest client
  permission java.net.SocketPermission "*", "connect";
};

grant codeBase "${codebase.opensearch-rest-client}" {
  // rest client uses system properties which gets the default proxy
  permission java.net.NetPermission "getProxySelector";
};

grant codeBase "${codebase.httpasyncclient}" {
  // rest client uses system properties which gets the default proxy
  permission java.net.NetPermission "getProxySelector";
};
"""

MODULES: tuple[Module, ...] = (
    Module("lang-painless", "org.opensearch.plugin:lang-painless", "org.opensearch.painless.PainlessPlugin",
           "An easy, safe and fast scripting language for OpenSearch", policy=PAINLESS_POLICY),
    Module("analysis-common", "org.opensearch.plugin:analysis-common",
           "org.opensearch.analysis.common.CommonAnalysisPlugin", 'Adds "built in" analyzers to OpenSearch.',
           extended=("lang-painless",)),
    Module("mapper-extras", "org.opensearch.plugin:mapper-extras-client",
           "org.opensearch.index.mapper.MapperExtrasPlugin", "Adds advanced field mappers"),
    Module("reindex", "org.opensearch.plugin:reindex-client", "org.opensearch.index.reindex.ReindexPlugin",
           "The Reindex module adds APIs to reindex from one index to another or update documents in place.",
           policy=REINDEX_POLICY),
)


@dataclass
class ClusterConfig:
    data: Path = Path(".cluster")
    nodes: int = 3
    base_port: int = 9200
    heap: str = DEFAULT_HEAP
    version: str = OPENSEARCH_VERSION
    cluster_name: str = CLUSTER_NAME
    timeout: float = DEFAULT_TIMEOUT
    user: str = NODE_USER
    quiet: bool = False
    extra_settings: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = Path(self.data).absolute()
        if not 1 <= self.nodes <= 9:
            raise ClusterError(f"--nodes must be between 1 and 9, not {self.nodes}")
        if not 1024 <= self.base_port <= 65535 - 110:
            raise ClusterError(f"--base-port must be between 1024 and {65535 - 110}, not {self.base_port}")
        if not re.fullmatch(r"\d+[mMgG]", self.heap):
            raise ClusterError(f"--heap must look like 512m or 1g, not {self.heap!r}")

    @property
    def home(self) -> Path:
        return self.data / f"opensearch-{self.version}"

    @property
    def state_file(self) -> Path:
        return self.data / "cluster.json"

    def node(self, n: int) -> "Node":
        return Node(self, n)

    def all_nodes(self) -> list["Node"]:
        return [self.node(n) for n in range(1, self.nodes + 1)]

    def urls(self) -> list[str]:
        return [node.url for node in self.all_nodes()]


@dataclass(frozen=True)
class Node:
    cfg: ClusterConfig
    n: int

    @property
    def name(self) -> str:
        return f"node-{self.n}"

    @property
    def dir(self) -> Path:
        return self.cfg.data / self.name

    @property
    def conf(self) -> Path:
        return self.dir / "config"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def pid_file(self) -> Path:
        return self.dir / "opensearch.pid"

    @property
    def http_port(self) -> int:
        return self.cfg.base_port + self.n - 1

    @property
    def transport_port(self) -> int:
        return self.cfg.base_port + 100 + self.n - 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


def _say(cfg: ClusterConfig, message: str) -> None:
    if not cfg.quiet:
        print(message, flush=True)




# --- Java ---------------------------------------------------------------------------------------

def _java_version(java: Path) -> int | None:
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java(jvm_dir: Path = Path("/usr/lib/jvm")) -> tuple[Path, int]:
    """The JAVA_HOME to run the nodes with: OPENSEARCH_JAVA_HOME, JAVA_HOME, `java` on PATH, then
    the JDKs in /usr/lib/jvm, the first whose version OpenSearch 2.19 runs on."""
    candidates: list[Path] = []
    for var in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(Path(os.environ[var]))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent.parent)
    if jvm_dir.is_dir():
        candidates.extend(sorted(p for p in jvm_dir.iterdir() if p.is_dir() and not p.is_symlink()))
    rejected = []
    seen = set()
    for home in candidates:
        java = home / "bin" / "java"
        key = os.path.realpath(java)
        if key in seen or not java.is_file():
            continue
        seen.add(key)
        version = _java_version(java)
        if version is not None and JAVA_MIN <= version <= JAVA_MAX:
            return home, version
        rejected.append(f"{java} (Java {version if version is not None else '?'})")
    detail = f"; found only {', '.join(rejected)}" if rejected else ""
    raise ClusterError(f"no usable Java: OpenSearch {OPENSEARCH_VERSION} needs Java {JAVA_MIN} to {JAVA_MAX}"
                       f"{detail} (on Debian: apt-get install openjdk-17-jre-headless)")


def java_problem(jvm_dir: Path = Path("/usr/lib/jvm")) -> str | None:
    """Why no cluster can be started on this machine (no usable Java), or None: a test suite's
    OpenSearch leg skips with this as its reason."""
    try:
        find_java(jvm_dir)
    except ClusterError as exc:
        return str(exc)
    return None


# --- artifacts ----------------------------------------------------------------------------------

def _pom(artifact_id: str, body: str, parent: bool = False) -> str:
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n')
    if parent:
        head += "  <groupId>local.newsearch.cluster</groupId>\n  <version>1</version>\n"
    else:
        head += ("  <parent><groupId>local.newsearch.cluster</groupId><artifactId>fetch</artifactId>"
                 "<version>1</version></parent>\n")
    return f"{head}  <artifactId>{artifact_id}</artifactId>\n  <packaging>pom</packaging>\n{body}</project>\n"


def _dependency(coords: str, version: str, type_: str = "jar") -> str:
    group, artifact = coords.split(":")
    # The server is on the nodes' classpath already (lib/): "provided", so that copy-dependencies
    # (runtime scope) leaves it and everything it pulls in out of the module folders.
    provided = ("  <dependencyManagement><dependencies><dependency><groupId>org.opensearch</groupId>"
                f"<artifactId>opensearch</artifactId><version>{version}</version><scope>provided</scope>"
                "</dependency></dependencies></dependencyManagement>\n")
    return (f"{provided if type_ == 'jar' else ''}"
            f"  <dependencies><dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
            f"<version>{version}</version><type>{type_}</type></dependency></dependencies>\n")


def fetch_artifacts(cfg: ClusterConfig) -> Path:
    """Fetch the distribution zip and the modules' jars (with their dependencies) with one mvn run
    over a throwaway reactor; returns the folder with one subfolder per artifact set."""
    root = cfg.data / "cache" / "maven" / cfg.version
    done = root / ".fetched"
    if done.exists():
        return root
    mvn = shutil.which("mvn")
    if not mvn:
        raise ClusterError("mvn (Maven) is needed to fetch OpenSearch from Maven Central the first time "
                           "(on Debian: apt-get install maven)")
    children = {"dist": _dependency(DIST_ARTIFACT, cfg.version, "zip")}
    for module in MODULES:
        children[module.name] = _dependency(module.artifact, cfg.version)
    root.mkdir(parents=True, exist_ok=True)
    plugin = ("  <build><pluginManagement><plugins><plugin><groupId>org.apache.maven.plugins</groupId>"
              f"<artifactId>maven-dependency-plugin</artifactId><version>{DEPENDENCY_PLUGIN_VERSION}</version>"
              "</plugin></plugins></pluginManagement></build>\n")
    modules = "".join(f"<module>{name}</module>" for name in children)
    (root / "pom.xml").write_text(_pom("fetch", f"  <modules>{modules}</modules>\n{plugin}", parent=True))
    for name, deps in children.items():
        (root / name).mkdir(exist_ok=True)
        (root / name / "pom.xml").write_text(_pom(name, deps))
    _say(cfg, f"fetching OpenSearch {cfg.version} and its modules from Maven Central with mvn ...")
    started = time.monotonic()
    cmd = [mvn, "-B", "-q", "-f", str(root / "pom.xml"), "dependency:copy-dependencies",
           "-DincludeScope=runtime"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise ClusterError(f"mvn could not fetch the artifacts ({' '.join(cmd)}):\n{tail}")
    done.write_text(f"fetched in {time.monotonic() - started:.0f}s\n")
    return root


def _jar_stem(name: str) -> str:
    """lucene-core-9.12.3.jar -> lucene-core; netty-buffer-4.1.135.Final.jar -> netty-buffer."""
    match = re.match(r"^(.+?)-\d", name)
    return match.group(1) if match else name.removesuffix(".jar")


def _extract(zip_path: Path, dest: Path) -> None:
    """Unzip keeping the permission bits (zipfile drops them; bin/ must stay executable)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = archive.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if info.is_dir():
                os.chmod(target, 0o755)
            else:
                os.chmod(target, (mode or 0o644) | 0o444)


def _descriptor(module: Module, version: str) -> str:
    return (f"description={module.description}\nversion={version}\nname={module.name}\n"
            f"classname={module.classname}\njava.version=11\nopensearch.version={version}\n"
            f"custom.foldername=\nextended.plugins={','.join(module.extended)}\nhas.native.controller=false\n")


def install(cfg: ClusterConfig) -> Path:
    """The OpenSearch installation (home) under the data folder, assembled once."""
    home = cfg.home
    marker = home / ".newsearch-installed"
    wanted = ",".join(m.name for m in MODULES)
    if marker.exists() and marker.read_text().strip() == wanted:
        return home
    root = fetch_artifacts(cfg)
    zips = list((root / "dist" / "target" / "dependency").glob("*.zip"))
    if len(zips) != 1:
        raise ClusterError(f"expected one distribution zip under {root / 'dist/target/dependency'}, found {zips}")
    staging = cfg.data / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    _extract(zips[0], staging)
    extracted = staging / f"opensearch-{cfg.version}"
    if not (extracted / "bin" / "opensearch").is_file():
        raise ClusterError(f"{zips[0].name} does not hold opensearch-{cfg.version}/bin/opensearch")
    taken = {_jar_stem(p.name) for p in (extracted / "lib").glob("*.jar")}
    by_name: dict[str, set[str]] = {}
    for module in MODULES:
        target = extracted / "modules" / module.name
        if target.exists():  # a module the distribution already has
            continue
        target.mkdir(parents=True)
        # Jar hell: a module may not repeat a jar of lib/ or of the module it extends.
        exclude = set(taken)
        for parent in module.extended:
            exclude |= by_name.get(parent, set())
        stems = set()
        jars = sorted((root / module.name / "target" / "dependency").glob("*.jar"))
        for jar in jars:
            stem = _jar_stem(jar.name)
            if stem in exclude:
                continue
            shutil.copy2(jar, target / jar.name)
            os.chmod(target / jar.name, 0o644)
            stems.add(stem)
        main_jar = target / f"{module.artifact.split(':')[1]}-{cfg.version}.jar"
        if not main_jar.exists():
            raise ClusterError(f"mvn fetched no {main_jar.name} for module {module.name}")
        with zipfile.ZipFile(main_jar) as archive:
            if module.classname.replace(".", "/") + ".class" not in archive.namelist():
                raise ClusterError(f"{main_jar.name} has no class {module.classname}")
        by_name[module.name] = stems
        (target / "plugin-descriptor.properties").write_text(_descriptor(module, cfg.version))
        if module.policy:
            (target / "plugin-security.policy").write_text(module.policy)
    (extracted / ".newsearch-installed").write_text(wanted + "\n")
    for path in [extracted, *extracted.rglob("*")]:
        if path.is_dir():
            os.chmod(path, 0o755)
    if home.exists():
        shutil.rmtree(home)
    extracted.rename(home)
    shutil.rmtree(staging, ignore_errors=True)
    return home


