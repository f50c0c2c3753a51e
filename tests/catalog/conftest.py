"""Shared fixtures of the catalogue tests: a small catalogue cut from the demo file (fast),
and the demo catalogue admin and reviewer."""

import functools

import pytest

from tests.dbcache import rows_of
from yiwang.catalog import exchange, exchange_forms
from yiwang.catalog.models import ServiceItem
from yiwang.demo.loader import catalog_file

SMALL = ["SCJ-XK-0001", "SCJ-XK-0002", "MZJ-QR-0001"]


@functools.cache
def _demo_sheets():
    return exchange.read_workbook(catalog_file())


def small_sheets(codes=tuple(SMALL)) -> dict:
    """The demo file cut down to a few items, with every org and licence type they need."""
    sheets = {name: [dict(r) for r in rows] for name, rows in _demo_sheets().items()}
    sheets[exchange.ITEMS] = [r for r in sheets[exchange.ITEMS] if r["事项编码"] in codes]
    for name in [exchange.MATERIALS, exchange.STEPS, exchange_forms.FORMS]:
        sheets[name] = [r for r in sheets.get(name, []) if r["事项编码"] in codes]
    sheets[exchange.BUNDLES] = []
    return sheets


@pytest.fixture
def small_catalog(demo):
    rows_of("catalog.small_catalog", lambda: exchange.import_sheets(small_sheets()))
    return {code: ServiceItem.objects.get(code=code) for code in SMALL}


@pytest.fixture
def small_item(small_catalog):
    """企业设立登记, published as version 1."""
    return small_catalog["SCJ-XK-0001"]


@pytest.fixture
def catalog_admin(user_named, demo):
    return user_named("catalog-admin")


@pytest.fixture
def catalog_reviewer(user_named, demo):
    return user_named("catalog-reviewer")
