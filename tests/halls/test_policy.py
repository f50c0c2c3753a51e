"""Who sees which hall (yiwang.halls.policy_rules): staff granted at a service centre see
its hall, its windows and its tickets; a district supervisor sees every hall of the
district; citizens see none through the staff actions."""

from yiwang.halls.models import Hall, Window
from yiwang.identity import policy


def test_staff_see_the_halls_of_their_centre_and_supervisors_their_area(hall, staff, user_named):
    assert list(policy.scope(staff["window-1"], Hall.objects.all())) == [hall]
    street = policy.scope(staff["street-window"], Hall.objects.all())
    assert [h.name for h in street] == ["和平街道便民服务中心"]
    assert (
        policy.scope(user_named("supervisor"), Hall.objects.all()).count() == Hall.objects.count()
    )
    assert not policy.scope(user_named("citizen"), Hall.objects.all()).exists()


def test_only_staff_of_the_hall_operate_its_windows(hall, staff, user_named):
    window = Window.objects.select_related("hall").filter(hall=hall).first()
    assert policy.can(staff["window-1"], "hall.operate_window", window)
    assert policy.can(user_named("hall-manager"), "hall.manage", window)
    assert not policy.can(staff["street-window"], "hall.operate_window", window)
    assert not policy.can(user_named("supervisor"), "hall.operate_window", window)
    assert not policy.can(staff["window-1"], "hall.manage", window)
