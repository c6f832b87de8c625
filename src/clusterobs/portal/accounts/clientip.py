"""The address of the client that sent a request, seen through trusted reverse proxies.

Behind nginx every request comes from ``127.0.0.1``; the client is in ``X-Forwarded-For``,
which nginx extends with ``$proxy_add_x_forwarded_for``. That header is believed only when
the request itself comes from a trusted proxy (``DJANGO_TRUSTED_PROXIES``, addresses or
networks): then the header is read from the right, skipping trusted proxies, and the first
address that is not one is the client. Anything a client wrote further left is ignored,
so a forged header cannot choose the address a lockout is keyed on. A request from an
untrusted address is keyed on that address, whatever it claims.

Used by django-axes (``AXES_CLIENT_IP_CALLABLE``) and django-allauth's rate limits
(:class:`clusterobs.portal.accounts.adapter.AccountAdapter`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Parse ``127.0.0.1``, ``10.0.0.0/8``, ``::1`` entries (invalid ones raise ValueError)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def resolve(remote_addr: str, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The client address from the peer address and the X-Forwarded-For header.

    >>> resolve("127.0.0.1", "6.6.6.6, 203.0.113.7", ["127.0.0.1"])
    '203.0.113.7'
    >>> resolve("198.51.100.9", "203.0.113.7", ["127.0.0.1"])
    '198.51.100.9'
    """
    networks = trusted_networks(tuple(trusted))
    peer = _address(remote_addr)
    if peer is None:
        return remote_addr.strip() or "0.0.0.0"

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address.version == net.version and address in net for net in networks)

    if not forwarded_for or not is_trusted(peer):
        return str(peer)
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:  # garbage written by whoever is left of the last trusted hop
            break
        client = address
        if not is_trusted(address):
            break
    return str(client)


def client_ip(request: Any) -> str:
    """The client address of a Django request (see the module's description)."""
    meta = request.META
    return resolve(meta.get("REMOTE_ADDR") or "", meta.get("HTTP_X_FORWARDED_FOR"),
                   getattr(settings, "TRUSTED_PROXIES", ()))
