"""The partner example in examples/ runs against a live server: sync, subscribe, verify."""

from __future__ import annotations

import importlib.util
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from apps.accounts.services import apikey_create
from apps.catalog.models import Offering
from apps.integrations import services
from apps.integrations.models import WebhookAttempt
from apps.integrations.webhook_secrets import webhook_secret_generate
from tests import factories

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner_sync.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("partner_sync", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_receiver(example, secret: str, port: int) -> None:
    thread = threading.Thread(
        target=example.main, args=(["receive", "--secret", secret, "--port", str(port)],)
    )
    thread.daemon = True  # serve_forever has no stop; the thread ends with the test process
    thread.start()
    for _ in range(50):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)


@pytest.fixture
def vendor_with_key(transactional_db, org_a):
    factories.kind("module")
    for code in ("municipal", "smart_grid", "transport_logistics", "connected_vehicles"):
        factories.sector(code)
    for code in ("nb_iot", "cat1"):
        factories.technology(code)
    _key, secret = apikey_create(
        actor=None, name="ERP", organization=org_a, scopes=["offerings:*", "webhooks:*"]
    )
    return org_a, secret


def test_example_syncs_a_catalogue_idempotently(live_server, vendor_with_key, capsys):
    # given a vendor's key and the example's built-in catalogue
    org, key = vendor_with_key
    example = _load_example()
    argv = ["--base-url", live_server.url, "sync", "--api-key", key, "--organization", str(org.pk)]

    # when the partner syncs twice
    first = example.main(argv)
    first_out = capsys.readouterr().out
    second = example.main(argv)
    second_out = capsys.readouterr().out

    # then both offerings exist once, and the second run changed nothing
    assert first == second == 0
    assert "created 2, updated 0, unchanged 0" in first_out
    assert "created 0, updated 0, unchanged 2" in second_out
    assert sorted(Offering.objects.values_list("model_number", flat=True)) == [
        "BC-DEMO-01",
        "EC-DEMO-01",
    ]


def test_example_receiver_accepts_only_correctly_signed_webhooks(
    live_server, vendor_with_key, capsys
):
    # given a subscription made with the example, its receiver holding the printed secret,
    # and a second receiver holding some other secret
    org, key = vendor_with_key
    example = _load_example()
    port, other_port = _free_port(), _free_port()
    example.main(
        [
            *("--base-url", live_server.url, "subscribe", "--api-key", key),
            *("--url", f"http://127.0.0.1:{port}/", "--events", "offering.published"),
        ]
    )
    secret = re.search(r"(whsec_\S+)", capsys.readouterr().out).group(1)
    _start_receiver(example, secret, port)
    _start_receiver(example, webhook_secret_generate(), other_port)
    ours = org.webhook_subscriptions.get()
    theirs, _secret = services.webhook_subscription_create(
        actor=None,
        organization=org,
        url=f"http://127.0.0.1:{other_port}/",
        event_types=["offering.published"],
    )

    # when an event is delivered to both
    services.webhook_event_emit(
        event_type="offering.published", organization_ids=[org.pk], payload={"offering_id": 7}
    )
    services.webhook_deliveries_send_due()

    # then the receiver with the right secret accepted and printed it; the other refused it
    assert WebhookAttempt.objects.get(delivery__subscription=ours).status_code == 204
    assert WebhookAttempt.objects.get(delivery__subscription=theirs).status_code == 400
    assert "offering.published msg_" in capsys.readouterr().out
