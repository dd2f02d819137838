"""Fixtures for webhooks: a local HTTP receiver, a resolver for test names, endpoints,
API keys and clients.

The outbound guard refuses loopback by default, and these tests keep that default:
`local_receiver` is a receiver on 127.0.0.1 that the guard refuses; `receiver` is the
same with 127.0.0.1/32 allowed explicitly (OUTBOUND_ALLOWED_NETWORKS), as an operator
with an internal receiver would. Names under `.test` are answered by `dns` (no real
lookups): unknown ones do not resolve, mapped ones resolve to what the test says.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import factories
from tradepost import outbound

LOOPBACK_ONLY = ["127.0.0.1/32"]


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
            # Recorded before the reply: the sender may look as soon as it has one.
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, status)
                )
                receiver.lock.notify_all()
            self.send_response(status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(receiver.reply)))
            self.end_headers()
            self.wfile.write(receiver.reply)

        def log_message(self, format, *args) -> None:  # noqa: A002 - the base's name
            pass

    return Handler


@dataclass
class FakeDNS:
    """The guard's resolver during a test: `names[name]` is a list of addresses, or a
    list of such lists answered one per lookup (the last one repeats). `lookups`
    counts the lookups of each name."""

    names: dict[str, list] = field(default_factory=dict)
    lookups: dict[str, int] = field(default_factory=dict)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        if not host.endswith(".test"):
            return socket.getaddrinfo(host, port, family, type, proto, flags)
        count = self.lookups[host] = self.lookups.get(host, 0) + 1
        answer = self.names.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if answer and isinstance(answer[0], list):
            answer = answer[min(count, len(answer)) - 1]
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in answer
        ]


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS()
    monkeypatch.setattr(outbound, "_getaddrinfo", fake.getaddrinfo)
    return fake


@pytest.fixture
def local_receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1, which the guard refuses (nothing is allowed)."""
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
def receiver(local_receiver, settings) -> Receiver:
    """A receiver on 127.0.0.1 that the guard lets through: the operator's allow-list
    names 127.0.0.1/32 (and nothing else of loopback)."""
    settings.OUTBOUND_ALLOWED_NETWORKS = LOOPBACK_ONLY
    return local_receiver


@pytest.fixture
def make_endpoint():
    """Register an endpoint in a workspace through the service, as its owner."""
    return factories.webhook_endpoint


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
        assert task == "api.webhooks.tasks.deliver_webhook"  # services queue tasks by name
        record.deliveries.extend(args)
        original(task, *args, **kwargs)

    monkeypatch.setattr(webhook_services, "enqueue_on_commit", enqueue)
    return record
