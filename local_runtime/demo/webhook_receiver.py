"""The demo's webhook receiver: a small HTTP server on loopback that checks each request's
Standard Webhooks signature and prints what it got, so `make run` shows the domain events of its
own bookings arriving (the local runtime allows loopback webhooks)."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from local_runtime.demo.http_client import ApiClient

log = logging.getLogger("local_runtime.demo")

EVENT_TYPES = (
    "interview.booked",
    "interview.rescheduled",
    "interview.cancelled",
    "interview.no_show",
    "session.created",
    "session.started",
    "session.completed",
    "email.sent",
    "email.delivered",
    "email.bounced",
    "email.complained",
    "reminder.sent",
)


class DemoReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.secret: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
                receiver.took(body, dict(self.headers.items()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self._server.server_address[1]}/webhooks"

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, name="demo-webhooks", daemon=True).start()

    def took(self, body: str, headers: dict[str, str]) -> None:
        try:
            verified = Webhook(self.secret).verify(body, headers) if self.secret else None
        except WebhookVerificationError:
            verified = None
        event = json.loads(body)
        log.info(
            "⚑ webhook %s %s (interview %s) %s",
            event.get("type"),
            event.get("id"),
            event.get("data", {}).get("interview_id", "-"),
            "signature valid" if verified is not None else "SIGNATURE NOT VALID",
        )

    def register(self, api: ApiClient) -> str:
        """Subscribes this receiver to every event type; returns the webhook's id."""
        response = api.post("/webhooks", {"url": self.url, "event_types": list(EVENT_TYPES)})
        if response.status != 201:
            raise RuntimeError(f"webhook not registered: HTTP {response.status} {response.text()[:200]}")
        created = response.json()
        self.secret = created["secret"]
        return str(created["webhook_id"])
