"""The rules of the outbound guard (`tradepost.outbound`) on their own: which URLs and
addresses are refused, what the operator's allow-lists open, and that a send connects
to the address it checked with the Host header, SNI and certificate of the name."""

from __future__ import annotations

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tradepost import outbound

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2001:4860:4860::8888"

REFUSED_URLS = [
    "http://127.0.0.1:6379/",
    "http://127.0.0.1:8000/admin/",
    "http://localhost:5432/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://0.0.0.0:80/",
    "http://0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata.goog/",
    "http://metadata/",
    "http://instance-data/",
    "http://db.internal/",
    "http://printer.local/",
    "http://redis:6379/",
    # IPv4 in the forms inet_aton reads
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://017700000001/",
    # private, shared, reserved
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://100.100.100.200/",
    "http://192.0.0.8/",
    "http://192.0.2.10/",
    "http://198.18.0.1/",
    "http://198.51.100.7/",
    "http://203.0.113.9/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    # IPv6
    "http://[::1]/",
    "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fc00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[ff02::1]/",
    "http://[2001:db8::1]/",
    "http://[fec0::1]/",
    # IPv6 forms of IPv4 addresses
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",
    "http://[::a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::169.254.169.254]/",
    "http://[64:ff9b:1::a00:1]/",
    # not http
    "ftp://example.com/",
    "gopher://127.0.0.1:6379/_INFO",
    "file:///etc/passwd",
    "http:///nohost",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_local_private_reserved_and_metadata_urls_are_refused(url):
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.validate_url(url)

    # A message a person can act on, without echoing the address.
    assert refused.value.messages and all(m for m in refused.value.messages)


@pytest.mark.parametrize(
    "url",
    [
        f"http://{PUBLIC_V4}/hooks",
        f"https://[{PUBLIC_V6}]:8443/hooks",
        f"http://[::ffff:{PUBLIC_V4}]/",
        "http://[64:ff9b::5db8:d70e]/",  # NAT64 form of the public address
        "https://nowhere-yet.example.test/hooks",  # does not resolve (yet): checked at send
    ],
)
def test_public_addresses_and_names_not_resolving_yet_are_accepted(url):
    outbound.validate_url(url)


def test_a_name_is_judged_by_every_address_it_resolves_to(dns):
    dns.names["public.example.test"] = [PUBLIC_V4, PUBLIC_V6]
    dns.names["mixed.example.test"] = [PUBLIC_V4, "10.0.0.7"]
    dns.names["sneaky.example.test"] = ["::ffff:169.254.169.254"]

    outbound.validate_url("https://public.example.test/hooks")
    for name in ("mixed", "sneaky"):
        with pytest.raises(outbound.OutboundRefused):
            outbound.validate_url(f"https://{name}.example.test/hooks")


def test_a_numeric_host_in_an_unusual_form_is_refused_even_when_public():
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.validate_url("http://0x5db8d70e/")  # 93.184.215.14

    assert refused.value.code == "numeric_host"


def test_allowed_networks_open_only_what_they_name(settings, dns):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.1.2.0/24", "fd12:3456::/32"]
    dns.names["erp.corp.test"] = ["10.1.2.30"]
    dns.names["other.corp.test"] = ["10.1.3.30"]

    outbound.validate_url("http://10.1.2.3:8080/hooks")
    outbound.validate_url("http://[fd12:3456::5]/hooks")
    outbound.validate_url("http://[::ffff:10.1.2.3]/hooks")
    outbound.validate_url("https://erp.corp.test/hooks")
    for url in ("http://10.1.3.3/", "https://other.corp.test/", "http://127.0.0.1/"):
        with pytest.raises(outbound.OutboundRefused):
            outbound.validate_url(url)


def test_allowed_hosts_open_a_name_and_its_subdomains(settings, dns):
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.corp.test", ".erp.test"]
    dns.names["hooks.corp.test"] = ["10.9.9.9"]
    dns.names["a.erp.test"] = ["192.168.3.4"]
    dns.names["evil.corp.test"] = ["10.9.9.9"]

    outbound.validate_url("https://hooks.corp.test/x")
    outbound.validate_url("https://a.erp.test/x")
    with pytest.raises(outbound.OutboundRefused):
        outbound.validate_url("https://evil.corp.test/x")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0:8000/",
        "http://metadata.google.internal/",
    ],
)
def test_metadata_and_unspecified_addresses_stay_refused_whatever_is_allowed(settings, url):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]

    with pytest.raises(outbound.OutboundRefused):
        outbound.validate_url(url)


def test_a_metadata_address_behind_an_allowed_name_stays_refused(settings, dns):
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.corp.test"]
    dns.names["hooks.corp.test"] = ["169.254.169.254"]

    with pytest.raises(outbound.OutboundRefused):
        outbound.validate_url("http://hooks.corp.test/")


# ------------------------------------------------------------- sending over TLS


class _Echo(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Echo.seen.append({"host": self.headers.get("Host"), "sni": self.server.last_sni})
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for `secure.example.test` (its
    own CA file is `ca`); it records the SNI name each connection asked for."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=secure.example.test",
            "-addext",
            "subjectAltName=DNS:secure.example.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.last_sni = None

    def remember_sni(sock, name, ctx):
        server.last_sni = name

    context.sni_callback = remember_sni
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Echo.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], str(cert)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_https_goes_to_the_checked_address_with_the_names_sni_and_certificate(
    tls_receiver, dns, settings
):
    port, ca = tls_receiver
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    dns.names["secure.example.test"] = ["127.0.0.1"]

    response = outbound.guarded_post(
        f"https://secure.example.test:{port}/hooks",
        body=b"{}",
        headers={"Content-Type": "application/json"},
        timeout=5,
        max_bytes=100,
        ca_certs=ca,
    )

    assert response.status == 204
    assert _Echo.seen == [{"host": f"secure.example.test:{port}", "sni": "secure.example.test"}]
    assert dns.lookups == {"secure.example.test": 1}


def test_https_to_a_name_the_certificate_does_not_name_fails_in_generic_words(
    tls_receiver, dns, settings
):
    port, ca = tls_receiver
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    dns.names["impostor.example.test"] = ["127.0.0.1"]

    with pytest.raises(outbound.OutboundError) as failed:
        outbound.guarded_post(
            f"https://impostor.example.test:{port}/hooks",
            body=b"{}",
            headers={},
            timeout=5,
            max_bytes=100,
            ca_certs=ca,
        )

    assert failed.value.kind == outbound.OutboundError.TLS
    assert _Echo.seen == []
