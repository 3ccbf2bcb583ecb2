"""Production settings pass Django's deployment checks; the API schema is valid OpenAPI 3."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection

from tests.core.disposable_services import Web

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_for_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-production-secret-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "iotmatch.example.cn",
    }
    env.pop("DJANGO_SECURE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for Playwright only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_openapi_schema_validates_without_warnings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            os.devnull,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/offerings" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


@pytest.mark.django_db
def test_readyz_reports_each_dependency_and_healthz_only_liveness(client):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}
    assert client.get("/healthz").json() == {"status": "ok"}


def test_probes_answer_over_plain_http_for_any_host_in_production(settings, client):
    # given production's HTTPS redirect and host check
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["iotmatch.example.cn"]
    # when a probe comes over plain HTTP by address (compose, a load balancer)
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    # then it is answered, not redirected or refused
    assert response.status_code == 200
    assert client.get("/api/v1/offerings", HTTP_HOST="iotmatch.example.cn").status_code == 301


COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.mark.django_db
def test_the_compose_web_healthcheck_passes_behind_the_https_redirect():
    # given the web tier as compose runs it: production security, a public host name only
    database = connection.settings_dict
    web = Web(
        {
            "DJANGO_ALLOWED_HOSTS": "iotmatch.example.cn",
            "DATABASE_URL": (
                f"postgres://{database['USER']}:{database['PASSWORD'] or ''}"
                f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
            ),
        }
    )
    try:
        # (that host's pages are redirected to HTTPS)
        assert web.request("GET", "/", headers={"Host": "iotmatch.example.cn"})[0] == 301
        # when compose runs the web service's healthcheck command against it
        kind, command = COMPOSE["services"]["web"]["healthcheck"]["test"]
        assert kind == "CMD-SHELL"
        command = command.replace("python ", f"{sys.executable} ", 1).replace(
            ":8000/", f":{web.port}/"
        )
        result = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
        # then it passes
        assert result.returncode == 0, result.stderr[-2000:]
    finally:
        web.stop()


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def test_workers_are_given_time_to_finish_a_task_when_stopped():
    from django.conf import settings

    worker = COMPOSE["services"]["worker"]
    assert _seconds(worker["stop_grace_period"]) > settings.CELERY_TASK_TIME_LIMIT
    web = COMPOSE["services"]["web"]
    graceful = web["command"][web["command"].index("--graceful-timeout") + 1]
    assert _seconds(web["stop_grace_period"]) > int(graceful)
