"""Fixtures for webhooks: a local HTTP receiver, endpoints, API keys and clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

from api.webhooks import services
from api.webhooks.models import WebhookEndpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request.

    It answers each request with the next status of `script` (200 once the script
    is used up), after `delay` seconds, with `reply` as the body.
    """

    server: ThreadingHTTPServer
    script: list[int] = field(default_factory=list)
    delay: float = 0.0
    reply: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/tradepost"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The requests received once there are at least `count`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"the receiver got {len(self.received)} of {count} requests")
                self.lock.wait(remaining)
            return list(self.received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                status = receiver.script.pop(0) if receiver.script else 200
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(receiver.reply)))
            self.end_headers()
            self.wfile.write(receiver.reply)
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, status)
                )
                receiver.lock.notify_all()

        def log_message(self, format, *args) -> None:  # noqa: A002 - the base's name
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(server=server)
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_endpoint():
    """Register an endpoint in a workspace through the service, as its owner."""

    def make(
        workspace,
        url: str = "https://hooks.example.test/tradepost",
        event_types: list[str] | None = None,
        is_active: bool = True,
    ) -> WebhookEndpoint:
        with schema_context(workspace.schema):
            return services.webhook_endpoint_create(
                actor=workspace.owner(),
                url=url,
                event_types=event_types or ["user.invited"],
                is_active=is_active,
            )

    return make


@dataclass
class Queued:
    deliveries: list[int] = field(default_factory=list)


@pytest.fixture
def queued(monkeypatch) -> Queued:
    """Records the deliveries webhook services hand to `enqueue_on_commit` (which still
    runs: the task goes out only if and when the transaction commits)."""
    from api.webhooks import services as webhook_services

    record = Queued()
    original = webhook_services.enqueue_on_commit

    def enqueue(task, *args, **kwargs):
        assert task.name == "api.webhooks.tasks.deliver_webhook"
        record.deliveries.extend(args)
        original(task, *args, **kwargs)

    monkeypatch.setattr(webhook_services, "enqueue_on_commit", enqueue)
    return record
