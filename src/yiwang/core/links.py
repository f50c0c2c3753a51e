"""Absolute links for what leaves the site: SMS and e-mail, QR codes, printed PDFs. They are
built with no request at hand (the worker sends most of them), so they stand on one setting,
YIWANG_SITE_URL (docs/configuration.md); `yiwang demo` sets it to the address it serves.

`problems()` says what is wrong with a site URL; the system checks (yiwang.core.checks)
refuse a missing or unsafe one in production."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

# Names that never reach the public: a link on them works only on the server itself.
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
# RFC 2606 / RFC 6761: reserved for examples and documentation, never a real site.
_RESERVED_SUFFIXES = (".invalid", ".example", ".test", ".localhost", ".local")
_RESERVED_NAMES = {"example.com", "example.org", "example.net"}


def site_url() -> str:
    """The site's address without a trailing slash, e.g. https://zwfw.example.gov.cn."""
    return (settings.YIWANG_SITE_URL or "").rstrip("/")


def absolute(path: str) -> str:
    """`/my/cases/7/` → `https://zwfw.example.gov.cn/my/cases/7/`."""
    if not path.startswith("/"):
        raise ValueError(f"a site path starts with '/': {path!r}")
    return site_url() + path


def demo_site_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for `yiwang demo --host H --port P`: a
    wildcard address (0.0.0.0, ::) is not one a browser can open, so loopback stands in."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _is_local(hostname: str) -> bool:
    if hostname in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_link_local


def problems(url: str | None, *, allowed_hosts=None) -> list[str]:
    """What keeps `url` from being the public address of a production site; [] if nothing.
    It must be https on a public host name, with nothing after the host but an optional "/"
    (links are the site URL + a path), and a host the site answers to (ALLOWED_HOSTS)."""
    if not url:
        return ["YIWANG_SITE_URL is not set"]
    try:
        parts = urlsplit(url)
        hostname = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return [f"YIWANG_SITE_URL={url!r} is not a URL"]
    found = []
    if parts.scheme != "https":
        found.append(f"YIWANG_SITE_URL={url!r} is not https")
    if not hostname:
        found.append(f"YIWANG_SITE_URL={url!r} names no host")
        return found
    if _is_local(hostname):
        found.append(f"YIWANG_SITE_URL={url!r} points at this machine, not the public site")
    elif hostname in _RESERVED_NAMES or hostname.endswith(_RESERVED_SUFFIXES):
        found.append(f"YIWANG_SITE_URL={url!r} uses a reserved example name")
    if parts.username or parts.password:
        found.append(f"YIWANG_SITE_URL={url!r} carries a user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        found.append(f"YIWANG_SITE_URL={url!r} must end after the host (no path or query)")
    hosts = settings.ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts
    if not validate_host(hostname, hosts):
        found.append(f"YIWANG_SITE_URL's host {hostname!r} is not in ALLOWED_HOSTS")
    return found
