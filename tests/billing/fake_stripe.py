"""A small local stand-in for the Stripe endpoints Tradepost calls.

The real `stripe` SDK talks to it over HTTP (STRIPE_API_BASE). It keeps what was
created, answers in Stripe's shapes (objects, lists, errors), replays a POST with
the same Idempotency-Key like Stripe does, and records every request so tests can
assert on them. A POST without an Idempotency-Key is answered with an error (and
recorded), because every write of ours must carry one.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe:
    customers: dict[str, dict] = field(default_factory=dict)
    checkout_sessions: dict[str, dict] = field(default_factory=dict)
    portal_sessions: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, list[dict]] = field(default_factory=dict)  # customer → invoices
    undelivered: list[dict] = field(default_factory=list)  # events for /v1/events
    requests: list[Recorded] = field(default_factory=list)
    idempotent: dict[str, tuple[dict, int, dict]] = field(default_factory=dict)
    fail_with: int | None = None  # answer every request with this status
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            for store in (self.customers, self.checkout_sessions, self.portal_sessions):
                store.clear()
            self.subscriptions.clear()
            self.invoices.clear()
            self.undelivered.clear()
            self.requests.clear()
            self.idempotent.clear()
            self.fail_with = None

    def posts(self, path: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and (path is None or r.path == path)]

    def gets(self, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and r.path.startswith(prefix)]

    # --- answering ------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):05d}"

    def handle(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(Recorded(method, path, params, headers))
            if self.fail_with:
                return self.fail_with, _error("api_error", "the fake was told to fail")
            if method == "POST":
                key = headers.get("idempotency-key")
                if not key:
                    return 400, _error("invalid_request_error", "missing Idempotency-Key")
                if key in self.idempotent:
                    seen_params, status, body = self.idempotent[key]
                    if seen_params != params:
                        return 400, _error(
                            "idempotency_error",
                            "Keys for idempotent requests can only be "
                            "used with the same parameters they were first used with.",
                        )
                    return status, body
                status, body = self._post(path, params)
                self.idempotent[key] = (params, status, body)
                return status, body
            return self._get(path, params)

    def _post(self, path: str, params: dict) -> tuple[int, dict]:
        if path == "/v1/customers":
            customer = {
                "id": self._new_id("cus"),
                "object": "customer",
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": {"tenant_id": params.get("metadata[tenant_id]")},
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if path == "/v1/checkout/sessions":
            session_id = self._new_id("cs_test")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "customer": params.get("customer"),
                "client_reference_id": params.get("client_reference_id"),
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "params": params,
            }
            self.checkout_sessions[session_id] = session
            return 200, session
        if path == "/v1/billing_portal/sessions":
            session_id = self._new_id("bps")
            session = {
                "id": session_id,
                "object": "billing_portal.session",
                "customer": params.get("customer"),
                "url": f"https://billing.stripe.test/p/session/{session_id}",
                "params": params,
            }
            self.portal_sessions[session_id] = session
            return 200, session
        return 404, _error("invalid_request_error", f"Unrecognized request URL (POST: {path})")

    def _get(self, path: str, params: dict) -> tuple[int, dict]:
        if path.startswith("/v1/subscriptions/"):
            subscription = self.subscriptions.get(path.rsplit("/", 1)[1])
            if subscription is None:
                return 404, _error("invalid_request_error", "No such subscription")
            return 200, subscription
        if path == "/v1/invoices":
            data = self.invoices.get(params.get("customer", ""), [])
            return 200, _list("/v1/invoices", data[: int(params.get("limit", 10))])
        if path == "/v1/events":
            since = int(params.get("created[gte]", 0))
            data = [e for e in self.undelivered if e["created"] >= since]
            return 200, _list("/v1/events", data)
        return 404, _error("invalid_request_error", f"Unrecognized request URL (GET: {path})")


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


def _list(url: str, data: list[dict]) -> dict:
    return {"object": "list", "url": url, "has_more": False, "data": data}


def serve(fake: FakeStripe) -> tuple[ThreadingHTTPServer, str]:
    """Start the fake on a free loopback port; returns the server and its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                params.update(parse_qsl(body, keep_blank_values=True))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, payload = fake.handle(method, url.path, params, headers)
            encoded = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.send_header("Request-Id", "req_fake")
            self.end_headers()
            self.wfile.write(encoded)

        def do_GET(self):  # noqa: N802 - http.server's naming
            self._answer("GET")

        def do_POST(self):  # noqa: N802
            self._answer("POST")

        def log_message(self, format, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
