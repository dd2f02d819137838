"""Outbound safety: the one way to connect out on a workspace's behalf.

Anything that sends a request to an address a workspace chose (webhooks today, other
integrations later) goes through this module, so a workspace cannot make the server
reach what only the server can reach: loopback services (Redis, PostgreSQL, the admin
port), the private network, cloud metadata (169.254.169.254, fd00:ec2::254,
metadata.google.internal) and other non-public ranges.

- `validate_url(url)` is for forms and services when a URL is registered or changed:
  it refuses schemes other than http/https, metadata and local names, numeric hosts
  in unusual forms (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`), and a host whose
  name resolves to a refused address. A name that does not resolve (yet) is accepted:
  every send checks again.
- `resolve_and_check(host, port)` resolves once and returns the addresses, every one
  of them checked; any refused address refuses the whole host.
- `guarded_post(...)` resolves and checks at send time, then opens the connection to
  exactly the checked address (no second lookup, so no DNS rebinding) while the Host
  header, TLS SNI and the certificate check use the URL's host name. It follows no
  redirects, ignores proxy environment variables (a proxy would make its own
  lookup), applies connect and read timeouts and reads at most `max_bytes` of the
  answer. Failures come back as `OutboundError` with a generic kind that tells
  neither the exception nor the state of a port.

An address is refused when it is not globally reachable per the IANA special-purpose
registries (Python's `ipaddress.is_global`, plus the explicit table below so the rule
does not depend on the Python version), is multicast, or is a metadata address. IPv6
forms that embed an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by that IPv4
address; IPv4-compatible (`::a.b.c.d`, deprecated) and local-use NAT64 are refused.

Operators who run receivers on their own network allow them explicitly with
`OUTBOUND_ALLOWED_NETWORKS` (CIDRs) and `OUTBOUND_ALLOWED_HOSTS` (names; `.example.com`
for a domain and its subdomains). Metadata, unspecified and multicast addresses stay
refused even then. Each is read from Django settings, which read the environment.

Why not a library: `advocate` (requests wrapper) has been unmaintained since 2020;
`requests-hardened` (maintained) can only switch loopback on or off — no CIDR or host
allow-list for operators, no registration-time check with a message a person can act
on, and it logs the destination host. The httpx-based ones (`drawbridge`,
`egressweave`) are young and would add a second HTTP stack. What is needed is small:
`ipaddress` for the rules and urllib3 (already here through requests) for a
connection pool opened to the pinned address.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import certifi
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import parse_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The resolver. Tests replace it to make a name resolve where they need it.
_getaddrinfo = socket.getaddrinfo

SCHEMES = {"http": 80, "https": 443}

# Cloud metadata services. Refused even inside an allowed network.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS resolver
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS DNS over IPv6
    )
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
        "metadata.tencentyun.com",
    }
)
# Names that are local by definition (RFC 6761, RFC 6762, ICANN's .internal).
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")

# Not globally reachable (IANA IPv4/IPv6 special-purpose registries) or not unicast.
# `is_global` says the same on current Pythons; this table keeps older ones honest.
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", includes the unspecified 0.0.0.0
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible, deprecated
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, benchmarking …)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local, includes fd00:ec2::254
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local, deprecated
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_ALWAYS_REFUSED = (ipaddress.ip_network("0.0.0.0/32"), ipaddress.ip_network("::/128"))


class OutboundRefused(ValidationError):
    """The URL or the address it leads to is not one we connect to. The message says
    so in words a person can act on, without naming the address."""


class OutboundError(Exception):
    """A guarded request failed; `kind` says how, in the fewest words that help:

    - REFUSED: the guard refused the destination; nothing was sent.
    - CONNECT: no connection, whatever the reason (no such name, refused, unreachable,
      connect timeout, reset, malformed answer): one kind, so the outcome tells
      nothing about the state of a port.
    - TIMEOUT: connected and sent, but no answer in time.
    - TLS: the TLS handshake or the certificate check failed.

    Nothing of the underlying exception is kept; callers word the kind themselves.
    """

    REFUSED = "refused"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    TLS = "tls"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


MSG_SCHEME = _("Enter a full http:// or https:// URL.")
MSG_NOT_ALLOWED = _(
    "This address is on a private, local or reserved network; webhooks can only go "
    "to public addresses."
)
MSG_NUMERIC = _("Write an IP address in the usual dotted form (like 203.0.113.10), or use a name.")


# ---------------------------------------------------------------- the rules


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public(ip: IPAddress) -> bool:
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _is_public(embedded)
    if ip.is_multicast or not ip.is_global:
        return False
    return not any(ip in net for net in BLOCKED_NETWORKS if net.version == ip.version)


def _always_refused(ip: IPAddress) -> bool:
    """Refused even where an operator allowed the network or the host."""
    candidates = [ip]
    if ip.version == 6 and (embedded := _embedded_ipv4(ip)) is not None:
        candidates.append(embedded)
    return any(
        c in METADATA_ADDRESSES
        or c.is_multicast
        or any(c in net for net in _ALWAYS_REFUSED if net.version == c.version)
        for c in candidates
    )


def _setting_list(name: str) -> list[str]:
    value = getattr(settings, name, None) or []
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip() for item in value if item and item.strip()]


@lru_cache(maxsize=8)
def _parse_networks(raw: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in raw)


def allowed_networks() -> tuple[IPNetwork, ...]:
    """`OUTBOUND_ALLOWED_NETWORKS`: networks an operator opened for internal receivers."""
    return _parse_networks(tuple(_setting_list("OUTBOUND_ALLOWED_NETWORKS")))


def _host_allowed(host: str) -> bool:
    """`OUTBOUND_ALLOWED_HOSTS`: names (or `.domain` with subdomains) an operator allowed."""
    for entry in _setting_list("OUTBOUND_ALLOWED_HOSTS"):
        entry = entry.lower().rstrip(".")
        if entry.startswith("."):
            if host == entry[1:] or host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def address_allowed(ip: IPAddress, *, host_allowed: bool = False) -> bool:
    """May we connect to `ip`? Public addresses yes; others only where allowed."""
    if _always_refused(ip):
        return False
    if host_allowed or _is_public(ip):
        return True
    plain = ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip
    return any(plain in net for net in allowed_networks() if net.version == plain.version)


# ---------------------------------------------------------------- hosts and URLs


@dataclass(frozen=True)
class Target:
    """A parsed URL: what to connect to and what to ask for."""

    scheme: str
    host: str  # lower-case ASCII name, or an IP address without brackets
    port: int
    request_target: str  # path and query
    auth: str | None  # "user:password", already unquoted

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of a host written as inet_aton reads it (`127.1`, `0x7f.1`,
    `0177.0.0.1`, `2130706433`), or None when the host is a name."""
    if not host or not all(c in "0123456789abcdefx." for c in host):
        return None
    if not any(c.isdigit() for c in host.split(".")[-1][:1]):
        return None  # a name ending in a letter label, like "cafe.be"
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def parse_target(url: str) -> Target:
    """Split `url` into a `Target`, or raise OutboundRefused."""
    if not isinstance(url, str) or any(c in url for c in "\r\n\t\x00 "):
        raise OutboundRefused(MSG_SCHEME, code="scheme")
    try:
        parts = parse_url(url)
    except LocationParseError:
        raise OutboundRefused(MSG_SCHEME, code="scheme") from None
    scheme = (parts.scheme or "").lower()
    if scheme not in SCHEMES or not parts.host:
        raise OutboundRefused(MSG_SCHEME, code="scheme")
    host = parts.host.strip("[]").lower().rstrip(".")
    if "%" in host:  # an IPv6 zone: only meaningful on a local link
        raise OutboundRefused(MSG_NOT_ALLOWED, code="not_allowed")
    try:
        host = host.encode("ascii").decode()
    except UnicodeEncodeError:
        try:
            import idna

            host = idna.encode(host, uts46=True).decode()
        except idna.IDNAError:
            raise OutboundRefused(MSG_SCHEME, code="scheme") from None
    request_target = parts.path or "/"
    if parts.query is not None:
        request_target += f"?{parts.query}"
    auth = unquote(parts.auth) if parts.auth else None
    return Target(scheme, host, parts.port or SCHEMES[scheme], request_target, auth)


def _check_name(host: str) -> None:
    """Refuse, without resolving, names and numbers that are local by their form."""
    if host in METADATA_NAMES:
        raise OutboundRefused(MSG_NOT_ALLOWED, code="not_allowed")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None:
        numeric = _numeric_ipv4(host)
        if numeric is not None:
            # Not the dotted form: refuse whatever it stands for, with the better reason.
            if not address_allowed(numeric):
                raise OutboundRefused(MSG_NOT_ALLOWED, code="not_allowed")
            raise OutboundRefused(MSG_NUMERIC, code="numeric_host")
        if _host_allowed(host):
            return
        if host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host:
            raise OutboundRefused(MSG_NOT_ALLOWED, code="not_allowed")
    elif not address_allowed(literal):
        raise OutboundRefused(MSG_NOT_ALLOWED, code="not_allowed")


def _resolve(host: str, port: int) -> list[IPAddress]:
    infos = _getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


def resolve_and_check(host: str, port: int) -> list[IPAddress]:
    """Resolve `host` once and return its addresses, all of them allowed.

    Raises OutboundRefused when the name is refused by its form or any address it
    resolves to is refused (one bad answer refuses the host: a round-robin name
    cannot smuggle in an internal address), and OSError (socket.gaierror) when it
    does not resolve.
    """
    host = host.lower().rstrip(".")
    _check_name(host)
    host_allowed = _host_allowed(host)
    addresses = _resolve(host, port)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    if not all(address_allowed(ip, host_allowed=host_allowed) for ip in addresses):
        raise OutboundRefused(MSG_NOT_ALLOWED, code="not_allowed")
    return addresses


def validate_url(url: str) -> None:
    """Raise OutboundRefused (a ValidationError) if we would not send to `url`.

    For registration: a name that does not resolve now is accepted (it is resolved
    and checked again at every send).
    """
    target = parse_target(url)
    with contextlib.suppress(OSError):  # does not resolve (now): checked at send time
        resolve_and_check(target.host, target.port)


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes  # at most the `max_bytes` asked for


def _pool(target: Target, ip: IPAddress, timeout: urllib3.Timeout, ca_certs: str | None):
    common: dict[str, Any] = {
        "host": str(ip),
        "port": target.port,
        "timeout": timeout,
        "maxsize": 1,
    }
    common["retries"] = False
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            **common,
            server_hostname=target.host,  # SNI and the certificate's name
            cert_reqs=ssl.CERT_REQUIRED,
            ca_certs=ca_certs or certifi.where(),
        )
    return urllib3.HTTPConnectionPool(**common)


def guarded_post(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    max_bytes: int,
    ca_certs: str | None = None,
) -> OutboundResponse:
    """POST `body` to `url` through the guard; see the module's docstring.

    Resolves once; tries the checked addresses in order until one accepts the
    connection. Raises OutboundError with a generic message on any failure.
    """
    try:
        target = parse_target(url)
        addresses = resolve_and_check(target.host, target.port)
    except OutboundRefused:
        raise OutboundError(OutboundError.REFUSED) from None
    except OSError:
        raise OutboundError(OutboundError.CONNECT) from None
    send_headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    send_headers["Host"] = target.host_header
    if target.auth is not None:
        send_headers["Authorization"] = "Basic " + base64.b64encode(target.auth.encode()).decode()
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    for index, ip in enumerate(addresses):
        last = index == len(addresses) - 1
        pool = _pool(target, ip, limits, ca_certs)
        try:
            response = pool.urlopen(
                "POST",
                target.request_target,
                body=body,
                headers=send_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                content = response.read(max_bytes)
                return OutboundResponse(response.status, dict(response.headers), content)
            finally:
                response.release_conn()
        except (NewConnectionError, ConnectTimeoutError):
            if last:
                raise OutboundError(OutboundError.CONNECT) from None
        except ReadTimeoutError:
            raise OutboundError(OutboundError.TIMEOUT) from None
        except SSLError:
            raise OutboundError(OutboundError.TLS) from None
        except (HTTPError, OSError):
            # Reset or closed mid-request, malformed answer: the same kind as refused.
            raise OutboundError(OutboundError.CONNECT) from None
        finally:
            pool.close()
    raise OutboundError(OutboundError.CONNECT)  # pragma: no cover - the loop returns
