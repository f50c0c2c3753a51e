"""X-Forwarded-For is believed from trusted proxies only, and only as far back as they go."""

import ipaddress

import pytest
from axes.helpers import get_client_ip_address
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import BaseThrottle

from yiwang.core.middleware import client_ip
from yiwang.core.proxies import TrustedProxyMiddleware, client_address, parse_networks

NGINX = "127.0.0.1"
TRUSTED = parse_networks(["127.0.0.1", "10.0.0.0/8"])
addresses = st.ip_addresses(v=4).map(str)
outside = addresses.filter(lambda a: not any(ipaddress.ip_address(a) in n for n in TRUSTED))


@given(peer=outside, forged=st.lists(addresses, max_size=4), hops=st.integers(1, 4))
def test_an_untrusted_peer_is_the_client_whatever_it_claims(peer, forged, hops):
    assert client_address(peer, ", ".join(forged), TRUSTED, hops) == peer


@given(client=outside, forged=st.lists(addresses, max_size=4))
def test_behind_one_proxy_the_entry_it_appended_is_the_client(client, forged):
    # nginx's $proxy_add_x_forwarded_for: whatever the client sent, then its real address.
    header = ", ".join([*forged, client])
    assert client_address(NGINX, header, TRUSTED, hops=1) == client


@given(client=outside, forged=st.lists(addresses, max_size=4), hops=st.integers(2, 5))
def test_more_hops_than_trusted_proxies_never_reach_the_forged_entries(client, forged, hops):
    # One trusted proxy in front, YIWANG_TRUSTED_PROXY_HOPS set too high: the client's own
    # address is not trusted, so reading stops there.
    header = ", ".join([*forged, client])
    assert client_address(NGINX, header, TRUSTED, hops) == client


def test_two_trusted_hops_are_followed_to_the_client():
    header = "198.51.100.7, 203.0.113.5, 10.1.2.3"  # forged, client, load balancer
    assert client_address(NGINX, header, TRUSTED, hops=2) == "203.0.113.5"
    assert client_address(NGINX, header, TRUSTED, hops=1) == "10.1.2.3"


def test_garbage_from_a_proxy_leaves_the_proxy_as_the_address():
    assert client_address(NGINX, "not-an-address", TRUSTED, hops=1) == NGINX


def test_ipv6_and_bracketed_entries_are_understood():
    v6 = parse_networks(["::1"])
    assert client_address("::1", "[2001:db8::7]:4711", v6, hops=1) == "2001:db8::7"


def request_from(peer, **headers):
    return APIRequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def passed_through(request, proxies=("127.0.0.1",), hops=1):
    """The request as the view sees it after TrustedProxyMiddleware."""
    seen = {}
    middleware = TrustedProxyMiddleware(lambda r: seen.setdefault("request", r))
    middleware.networks, middleware.hops = parse_networks(proxies), hops
    middleware(request)
    return seen["request"]


FORGED = {
    "HTTP_X_FORWARDED_FOR": "203.0.113.9",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_REAL_IP": "203.0.113.9",
    "HTTP_FORWARDED": "for=203.0.113.9;proto=https",
}


def test_every_forwarded_header_from_an_untrusted_peer_is_dropped():
    request = passed_through(request_from("198.51.100.20", **FORGED))
    assert client_ip(request) == "198.51.100.20"
    assert not set(FORGED) & set(request.META)
    assert not request.is_secure()


def test_a_trusted_proxy_gives_the_client_and_the_scheme(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = passed_through(request_from(NGINX, **FORGED))
    assert client_ip(request) == "203.0.113.9"
    assert request.is_secure()
    assert "HTTP_X_REAL_IP" not in request.META and "HTTP_FORWARDED" not in request.META


def test_with_no_trusted_proxy_nothing_is_believed():
    request = passed_through(request_from(NGINX, **FORGED), proxies=())
    assert client_ip(request) == NGINX and not set(FORGED) & set(request.META)


@pytest.mark.parametrize(
    "peer, expected", [("198.51.100.20", "198.51.100.20"), (NGINX, "203.0.113.9")]
)
def test_axes_and_drf_throttles_count_the_same_client(peer, expected):
    request = passed_through(request_from(peer, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9"))
    assert client_ip(request) == expected
    assert BaseThrottle().get_ident(request) == expected
    assert get_client_ip_address(request) == expected
