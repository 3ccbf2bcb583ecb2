#!/usr/bin/env python3
"""A partner's integration with IoT Match: sync a catalogue over REST, receive signed webhooks.

Needs Python 3.11+ and `pip install standardwebhooks` (for `receive`); nothing else.

    # 1. push a catalogue (JSON list of offerings; a sample is built in) with an API key that
    #    has the `offerings:*` scope; re-running changes nothing (idempotent)
    python examples/partner_sync.py sync --api-key KEY --organization 3 [--file catalogue.json]

    # 2. subscribe an endpoint (key scope `webhooks:write`); prints the whsec_ secret once
    python examples/partner_sync.py subscribe --api-key KEY --url https://erp.example.com/hooks

    # 3. run a receiver that verifies every delivery's Standard Webhooks signature
    python examples/partner_sync.py receive --secret whsec_... --port 8081

`--base-url` defaults to http://127.0.0.1:8000 (`make run`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

SAMPLE_CATALOGUE = [
    {
        "kind": "module",
        "name": "NB-IoT 模组 BC-DEMO",
        "model_number": "BC-DEMO-01",
        "description": "低功耗 NB-IoT 模组，支持 PSM/eDRX，适合水表、燃气表。",
        "sectors": ["municipal", "smart_grid"],
        "technologies": ["nb_iot"],
        "nationwide": True,
        "price_min": "12.00",
        "price_max": "18.00",
        "min_order": 1000,
        "annual_capacity": 2000000,
        "lead_time_days": 30,
    },
    {
        "kind": "module",
        "name": "Cat.1 bis 模组 EC-DEMO",
        "model_number": "EC-DEMO-01",
        "description": "LTE Cat.1 bis 模组，支持 VoLTE，适合追踪器与 POS 终端。",
        "sectors": ["transport_logistics", "connected_vehicles"],
        "technologies": ["cat1"],
        "nationwide": True,
        "price_min": "25.00",
        "price_max": "35.00",
        "min_order": 500,
        "annual_capacity": 1000000,
        "lead_time_days": 21,
    },
]
# Fields compared to decide whether an existing offering needs an update.
SYNCED_FIELDS = [field for field in SAMPLE_CATALOGUE[0] if field != "kind"]


class ApiError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        error = body.get("error", {})
        super().__init__(
            f"{status} {error.get('code')}: {error.get('message')} {error.get('fields')}"
        )
        self.status, self.code = status, error.get("code")


class Client:
    """A minimal IoT Match REST client: API-key auth, JSON, one error shape, cursor pages."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base = base_url.rstrip("/") + "/api/v1/"
        self.api_key = api_key

    def request(self, method: str, path: str, body: dict | None = None, *, key: str = "") -> dict:
        headers = {"Authorization": f"Api-Key {self.api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if key:
            # Retrying a POST with the same key never creates a second object.
            headers["Idempotency-Key"] = key
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, json.loads(exc.read() or b"{}")) from None
        return json.loads(text) if text else {}

    def pages(self, path: str):
        url: str | None = path
        while url:
            page = self.request("GET", url)
            yield from page["results"]
            url = page.get("next")


def _fingerprint(item: dict) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()[:32]


def sync(args: argparse.Namespace) -> int:
    client = Client(args.base_url, args.api_key)
    catalogue = (
        json.loads(Path(args.file).read_text(encoding="utf-8")) if args.file else SAMPLE_CATALOGUE
    )
    query = urllib.parse.urlencode({"organization": args.organization, "page_size": 100})
    existing = {
        offering["model_number"]: offering
        for offering in client.pages(f"offerings?{query}")
        if offering["status"] != "archived"
    }
    created = updated = unchanged = 0
    for item in catalogue:
        current = existing.get(item["model_number"])
        if current is None:
            offering = client.request(
                "POST", "offerings", item, key=f"offering-create-{_fingerprint(item)}"
            )
            created += 1
            print(f"+ {offering['id']} {item['model_number']} {item['name']}")
        else:
            changes = {
                field: item[field]
                for field in SYNCED_FIELDS
                if field in item and str(current.get(field)) != str(item[field])
            }
            if not changes:
                unchanged += 1
                continue
            offering = client.request("PATCH", f"offerings/{current['id']}", changes)
            updated += 1
            print(f"~ {offering['id']} {item['model_number']}: {', '.join(sorted(changes))}")
        if args.submit and offering["status"] in ("draft", "rejected"):
            client.request(
                "POST",
                f"offerings/{offering['id']}/submit",
                {},
                key=f"offering-submit-{offering['id']}-{offering['updated_at']}",
            )
    print(f"created {created}, updated {updated}, unchanged {unchanged}")
    return 0


def subscribe(args: argparse.Namespace) -> int:
    client = Client(args.base_url, args.api_key)
    body = {"url": args.url, "event_types": args.events, "description": "partner_sync.py"}
    subscription = client.request("POST", "webhooks", body, key=f"subscribe-{_fingerprint(body)}")
    print(f"subscription {subscription['id']} → {subscription['url']}")
    print(f"secret (shown once, keep it safe): {subscription['secret']}")
    return 0


def receive(args: argparse.Namespace) -> int:
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    verifier = Webhook(args.secret)
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                # Checks the HMAC over id.timestamp.body and rejects stale timestamps (5 min).
                message = verifier.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as exc:
                print(f"rejected: {exc}", file=sys.stderr)
                self.send_response(400)
                self.end_headers()
                return
            message_id = self.headers["webhook-id"]
            # Deliveries are at-least-once: a retry or a replay repeats the webhook-id.
            if message_id not in seen:
                seen.add(message_id)
                data = json.dumps(message["data"], ensure_ascii=False)
                print(f"{message['type']} {message_id} {data}")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    print(f"listening on http://127.0.0.1:{args.port}/ — Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    commands = parser.add_subparsers(dest="command", required=True)

    p_sync = commands.add_parser("sync", help="create or update offerings from a catalogue")
    p_sync.add_argument("--api-key", required=True)
    p_sync.add_argument("--organization", type=int, required=True, help="your organisation id")
    p_sync.add_argument("--file", help="JSON list of offerings (default: a built-in sample)")
    p_sync.add_argument("--submit", action="store_true", help="submit drafts for review")
    p_sync.set_defaults(run=sync)

    p_sub = commands.add_parser("subscribe", help="subscribe a webhook endpoint")
    p_sub.add_argument("--api-key", required=True)
    p_sub.add_argument("--url", required=True)
    p_sub.add_argument(
        "--events",
        nargs="+",
        default=["match.suggested", "match.introduced", "match.status_changed"],
    )
    p_sub.set_defaults(run=subscribe)

    p_recv = commands.add_parser("receive", help="receive and verify webhooks")
    p_recv.add_argument("--secret", required=True)
    p_recv.add_argument("--port", type=int, default=8081)
    p_recv.set_defaults(run=receive)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ApiError as exc:
        print(f"API error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
