"""Outbound HTTP(S) that cannot reach internal addresses unless the installation allows them.

Webhook URLs come from metadata, so without a guard an analyst (or a pack) could make the server
POST to ``127.0.0.1``, ``10.x`` or the cloud metadata service at ``169.254.169.254``. :func:`open_url`
only speaks http and https, follows no redirects, uses no proxies, and checks the address a
connection actually reached (``getpeername()`` after the TCP connect, before a byte is sent), so a
name that resolves to a public address once and to an internal one later gains nothing.

Only globally routable addresses are allowed (IPv4-mapped IPv6 forms are judged as the IPv4 address
they carry). ``CRM_OUTBOUND_ALLOW`` (``Settings.outbound_allow``) lists the exceptions for
on-premise installations: host names (that host, whatever it resolves to) and networks in CIDR form
(connected addresses inside them)::

    CRM_OUTBOUND_ALLOW=erp.local,10.0.0.0/8,127.0.0.1

A refusal raises :class:`OutboundRefused`, which callers treat as permanent: retrying cannot help
until the setting changes.
"""
from __future__ import annotations

import functools
import http.client
import ipaddress
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "CRM_OUTBOUND_ALLOW"
SCHEMES = ("http", "https")
HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_][a-z0-9_-]{0,62})*$")


class OutboundRefused(Exception):
    """A request the outbound policy does not allow; ``str()`` says why and how to allow it."""

    def __init__(self, message: str, *, host: str | None = None, address: str | None = None) -> None:
        super().__init__(message)
        self.host, self.address = host, address


def parse_allow(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """The allow-list entries of ``value`` (a comma-separated string or a sequence), normalized:
    host names lower-case without a trailing dot, networks in CIDR form. Raises ``ValueError``
    naming the first bad entry."""
    parts = value.split(",") if isinstance(value, str) else list(value or ())
    entries: list[str] = []
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        network = _network(part)
        if network is not None:
            entries.append(str(network))
            continue
        host = part.lower().rstrip(".")
        if not HOST_NAME.match(host) or host.rpartition(".")[2].isdigit():
            raise ValueError(f"{part!r} is neither a host name nor a network like 10.0.0.0/8")
        entries.append(host)
    return tuple(dict.fromkeys(entries))


def _network(entry: str) -> IPNetwork | None:
    """The network an entry names (an address is a one-address network); None for a host name."""
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=True)
    except ValueError as exc:
        if "/" in entry or _address(entry.strip("[]")) is not None:
            raise ValueError(f"{entry!r} is not a network: {exc}") from None
        return None


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def unmapped(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped (``::ffff:a.b.c.d``) or 6to4 IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


def internal_kind(address: str | IPAddress) -> str | None:
    """What makes ``address`` internal (``loopback``, ``private`` ...), or None when it is a
    public, globally routable unicast address."""
    ip = unmapped(ipaddress.ip_address(address) if isinstance(address, str) else address)
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    return None if ip.is_global else "not globally routable"


@dataclass(frozen=True)
class OutboundPolicy:
    """Which connections are allowed: public addresses, plus the listed hosts and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> OutboundPolicy:
        hosts, networks = set(), []
        for entry in parse_allow(tuple(entries)):
            network = _network(entry)
            if network is None:
                hosts.add(entry)
            else:
                networks.append(network)
        return cls(frozenset(hosts), tuple(networks))

    def check(self, host: str, address: str) -> None:
        """Raise :class:`OutboundRefused` unless a connection to ``host`` at ``address`` is allowed."""
        if host.lower().rstrip(".") in self.hosts:
            return
        ip = ipaddress.ip_address(address)
        kind = internal_kind(ip)
        if kind is None or any(a in net for a in {ip, unmapped(ip)} for net in self.networks):
            return
        shown = host if host == address else f"{host} ({address})"
        raise OutboundRefused(
            f"refused to connect to {shown}: {address} is an internal address ({kind}); "
            f"add the host or its network to {ALLOW_SETTING} to allow it",
            host=host, address=address)


@functools.lru_cache(maxsize=32)
def policy_for(entries: tuple[str, ...]) -> OutboundPolicy:
    """The policy for ``Settings.outbound_allow`` (cached: settings are immutable)."""
    return OutboundPolicy.from_entries(entries)


def open_url(request: urllib.request.Request, *, allow: Iterable[str] = (), timeout: float) -> Any:
    """Open ``request`` under the outbound policy; returns the response like ``urlopen``.

    Raises :class:`OutboundRefused` for another scheme or a refused address, and what ``urlopen``
    raises otherwise (a redirect is an ``HTTPError`` with its 3xx code)."""
    parts = urllib.parse.urlsplit(request.full_url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise OutboundRefused(f"refused {request.full_url!r}: only http:// and https:// URLs with a host "
                              "are allowed")
    policy = policy_for(tuple(allow))
    if (literal := _address(parts.hostname)) is not None:  # no need to connect to find out
        policy.check(parts.hostname, str(literal))
    return _opener(policy).open(request, timeout=timeout)


def _opener(policy: OutboundPolicy) -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (_HTTPHandler(policy), _HTTPSHandler(policy), _NoRedirects(),
                    urllib.request.UnknownHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


class _CheckedConnection(http.client.HTTPConnection):
    """Checks the peer right after the TCP connect. HTTPS inherits this through its MRO, so the
    check runs before the TLS handshake too."""

    policy = OutboundPolicy()

    def connect(self) -> None:
        super().connect()
        try:
            self.policy.check(self.host, self.sock.getpeername()[0])
        except BaseException:
            self.sock.close()
            self.sock = None
            raise


class _CheckedHTTPSConnection(http.client.HTTPSConnection, _CheckedConnection):
    pass


def _connection(cls: type[_CheckedConnection], policy: OutboundPolicy) -> Any:
    """What ``do_open`` calls to make a connection: ``cls`` bound to ``policy``."""
    def make(host: str, **kwargs: Any) -> _CheckedConnection:
        conn = cls(host, **kwargs)
        conn.policy = policy
        return conn
    return make


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__()
        self._policy = policy

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_connection(_CheckedConnection, self._policy), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__()
        self._policy = policy

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_connection(_CheckedHTTPSConnection, self._policy), req, context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (it could lead anywhere, and would turn the POST into a body-less
    GET); it surfaces as an ``HTTPError`` with its 3xx code."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None
