"""Which forwarded headers to believe. Behind nginx every connection comes from nginx, so the
client's address and scheme arrive in X-Forwarded-For and X-Forwarded-Proto, headers any
client can also send itself. They are believed only from the peers named in
YIWANG_TRUSTED_PROXIES (docs/configuration.md), and only as far back as
YIWANG_TRUSTED_PROXY_HOPS proxies, each of which must itself be trusted.

The decision is made once per request, by `TrustedProxyMiddleware` (first in MIDDLEWARE),
whatever WSGI server runs Yiwang: it rewrites REMOTE_ADDR to the client's address and removes
every forwarded header it did not believe. After it, REMOTE_ADDR is the client for Django,
django-axes, DRF's throttles and the audit log alike (`yiwang.core.middleware.client_ip`)."""

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The headers a proxy may set to say who and what is behind it (RFC 7239 and the de-facto
# X-Forwarded-* family), as WSGI environ keys.
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_BY",
    "HTTP_X_REAL_IP",
)
# What TrustedProxyMiddleware keeps from a trusted proxy; SECURE_PROXY_SSL_HEADER reads the
# scheme from X-Forwarded-Proto. The host comes from Host, which nginx passes on.
BELIEVED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDRs (`127.0.0.1`, `10.0.0.0/8`, `::1`); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network") from None
    return tuple(networks)


def _address(value: str):
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted(address, networks: Sequence[Network]) -> bool:
    if isinstance(address, str):
        address = _address(address)
    if address is None:
        return False
    if getattr(address, "ipv4_mapped", None):  # ::ffff:127.0.0.1 from a dual-stack socket
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def client_address(peer: str, forwarded_for: str, networks: Sequence[Network], hops: int) -> str:
    """The client's address: X-Forwarded-For read from the right, one entry per trusted hop.

    Each proxy appends the address it was connected from, so the rightmost entry was written
    by the proxy that connected to us, the one before by the proxy before it, and so on; what
    lies further left was written by the client and proves nothing. An entry is believed
    only while the address it came from is trusted and at most `hops` entries are read."""
    address = peer
    entries = [entry for entry in forwarded_for.split(",") if entry.strip()]
    for _hop in range(hops):
        if not entries or not is_trusted(address, networks):
            break
        parsed = _address(entries.pop())
        if parsed is None:  # garbage from a proxy: the last address we know is true
            break
        address = str(parsed)
    return address


class TrustedProxyMiddleware:
    """Believes X-Forwarded-For and X-Forwarded-Proto from trusted proxies, forgets every
    forwarded header from anyone else. Must come first in MIDDLEWARE."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.networks = parse_networks(settings.YIWANG_TRUSTED_PROXIES)
        self.hops = settings.YIWANG_TRUSTED_PROXY_HOPS

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        trusted = is_trusted(peer, self.networks)
        for header in FORWARDED_HEADERS:
            if not (trusted and header in BELIEVED_HEADERS):
                meta.pop(header, None)
        if trusted:
            meta["REMOTE_ADDR"] = client_address(
                peer, meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks, self.hops
            )
        return self.get_response(request)
