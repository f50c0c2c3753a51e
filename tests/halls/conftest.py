"""Shared setup of the hall tests: the district centre's hall (示范区政务服务中心) with three
categories and three windows, its window staff, and a clock at an hour the hall is open."""

import datetime

import pytest
import time_machine

from tests.dbcache import rows_of
from tests.halls.booking import citizen, item, monday  # noqa: F401 - the appointments' fixtures
from yiwang.halls import services
from yiwang.halls.models import Hall, ServiceCategory, Window, WindowKind
from yiwang.identity.models import OrgUnit, RoleGrant, User
from yiwang.identity.roles import Role

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
CENTRE = "990101-ZWZX"  # 周一至周五 9:00-12:00 14:00-20:00；周六 …；周日 9:00-12:00
STREET_CENTRE = "990101001-BMZX"  # 和平街道便民服务中心
# A Monday in March 2025, an ordinary working day, mid-morning.
OPEN_MONDAY = datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
CATEGORIES = [("A", "市场准入"), ("B", "社会保障"), ("C", "不动产")]
STAFF = [("window-1", "窗口一"), ("window-2", "窗口二"), ("window-3", "窗口三")]


def _build():
    services.sync_halls()
    centre = Hall.objects.get(org__code=CENTRE)
    categories = {
        letter: ServiceCategory.objects.create(hall=centre, letter=letter, name=name, position=i)
        for i, (letter, name) in enumerate(CATEGORIES)
    }
    Window.objects.create(hall=centre, number=1, kind=WindowKind.COMPREHENSIVE)
    two = Window.objects.create(hall=centre, number=2)
    two.categories.set([categories["A"]])
    three = Window.objects.create(hall=centre, number=3)
    three.categories.set([categories["B"]])
    # The demo accounts include the window staff (demo/accounts.py); made here if not.
    org = OrgUnit.objects.get(code=CENTRE)
    for username, name in STAFF:
        _window_staff(username, name, org)
    _window_staff("street-window", "街道窗口", OrgUnit.objects.get(code=STREET_CENTRE))


def _window_staff(username, name, org):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, real_name=name, kind=User.Kind.STAFF)
    RoleGrant.objects.get_or_create(user=user, role=Role.WINDOW_STAFF, org=org)


@pytest.fixture
def hall(demo):
    """The district centre's hall, its categories A, B, C and windows 1 (comprehensive),
    2 (A) and 3 (B), all closed; window staff `window-1` … `window-3` at the centre and
    `street-window` at 和平街道."""
    rows_of("halls.hall", _build)
    return Hall.objects.get(org__code=CENTRE)


@pytest.fixture
def category(hall):
    return {c.letter: c for c in hall.categories.all()}


@pytest.fixture
def windows(hall):
    return {w.number: w for w in hall.windows.all()}


@pytest.fixture
def staff(hall, user_named):
    return {name: user_named(name) for name in [*(u for u, _ in STAFF), "street-window"]}


@pytest.fixture
def open_monday():
    """The clock at 10:00 on an ordinary Monday (ticking, so steps get later times)."""
    with time_machine.travel(OPEN_MONDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def staffed(hall, windows, staff, open_monday):
    """Windows 1–3 open, staffed by window-1 … window-3."""
    for number in (1, 2, 3):
        services.open_window(windows[number], staff[f"window-{number}"])
    return {n: Window.objects.get(pk=w.pk) for n, w in windows.items()}


def id_number(birth: datetime.date, serial: int = 1) -> str:
    """A synthetic GB 11643 number (东城区, valid check digit) of someone born on `birth`."""
    from stdnum.cn import ric

    body = f"110101{birth:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 digits
