"""Private PostgreSQL, Redis and S3 for ``benchmarks/chaos.py``: started by the benchmark in
a temporary folder on free ports, so the faults it injects (restarts, an object store that
stops answering) never touch this machine's own services.

- PostgreSQL: ``initdb`` + ``pg_ctl`` of the installed server (run as the ``postgres`` user
  when we are root, as PostgreSQL refuses to run as root).
- Redis: ``redis-server`` with ``--appendonly yes``, as in ``docker-compose.yml``.
- S3: moto's server behind a TCP gate. "Stopping the store" closes the gate: new connections
  are refused and open ones cut, as a stopped MinIO would; the objects stay (a MinIO restart
  keeps its disk, while moto keeps objects only in memory).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


class PrivatePostgres:
    """A PostgreSQL cluster of its own; ``url`` is its ``DATABASE_URL`` (database ``chaos``)."""

    def __init__(self, folder: Path) -> None:
        self.bin = self._find_bin()
        self.data = folder / "pgdata"
        self.port = free_port()
        self.data.mkdir(parents=True)
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            folder.parent.chmod(0o755)  # a temporary folder is the owner's only
            shutil.chown(folder, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chaos")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/chaos"

    @staticmethod
    def _find_bin() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        return found[-1].parent

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr.strip()[-2000:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", "/dev/null", "start")

    def stop(self) -> None:
        """A fast shutdown (open sessions are cut), as a restart by an operator does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()


class PrivateRedis:
    """A Redis server of its own with an append-only file (the compose set-up)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.folder), "--appendonly", "yes", "--save", ""),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port)

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits, as ``docker restart``."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    close = stop


class GatedS3:
    """moto's S3 server, reached through a gate that can be closed (the store is "down")."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._inner_port = free_port()
        self._server = ThreadedMotoServer(
            ip_address="127.0.0.1", port=self._inner_port, verbose=False
        )
        self._server.start()
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._open = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.start()

    def start(self) -> None:
        """Open the gate: listen again and relay connections to moto."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        self._open.set()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Close the gate: stop listening (connections refused) and cut open connections."""
        self._open.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._connections.clear()

    def close(self) -> None:
        self.stop()
        self._server.stop()

    def _accept(self, listener: socket.socket) -> None:
        while self._open.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self._inner_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections.update({client, upstream})
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for conn in (source, target):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._connections.discard(source)
            source.close()
