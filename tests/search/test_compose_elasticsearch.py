"""docker-compose's Elasticsearch healthcheck, run as Docker runs it (`sh -c`), against a local
HTTP server answering as a starting cluster does; and `migrate` waiting for it."""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


class _Cluster(BaseHTTPRequestHandler):
    """`GET /_cluster/health?wait_for_status=yellow…`: 408 and `timed_out` until the cluster
    is yellow, as Elasticsearch answers."""

    yellow = False
    paths: list[str] = []

    def do_GET(self):
        type(self).paths.append(self.path)
        body = b'{"status":"yellow","timed_out":false}'
        status = 200
        if not type(self).yellow:
            body, status = b'{"status":"red","timed_out":true}', 408
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def cluster():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Cluster)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Cluster.yellow, _Cluster.paths = False, []
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def run_healthcheck(port: int) -> int:
    kind, command = services()["elasticsearch"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    command = command.replace("localhost:9200", f"127.0.0.1:{port}")
    return subprocess.run(["sh", "-c", command], capture_output=True, timeout=30).returncode


def test_the_healthcheck_fails_until_the_cluster_is_yellow(cluster):
    # when: the cluster is still red
    assert run_healthcheck(cluster) != 0
    # then: curl asked with the whole query string (unquoted, `&` cut it and backgrounded curl)
    assert _Cluster.paths == ["/_cluster/health?wait_for_status=yellow&timeout=5s"]
    # when: it is yellow
    _Cluster.yellow = True
    assert run_healthcheck(cluster) == 0


def test_migrate_waits_for_a_healthy_cluster_before_reindexing():
    migrate = services()["migrate"]
    assert migrate["depends_on"]["elasticsearch"] == {"condition": "service_healthy"}
    assert "search_reindex --wait" in " ".join(migrate["command"])
