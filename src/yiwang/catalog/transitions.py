"""The state machine of an item version, as data (DESIGN.md §6 style)."""

from django.utils.translation import gettext as _

from .models import VersionStatus as S

ALLOWED = {
    S.DRAFT: {S.IN_REVIEW},
    S.IN_REVIEW: {S.PUBLISHED, S.DRAFT},
    S.PUBLISHED: {S.RETIRED},
    S.RETIRED: set(),
}


class InvalidTransition(Exception):
    code = "invalid_transition"

    def __init__(self, current, target):
        self.current, self.target = current, target
        super().__init__(
            _("当前状态“%(current)s”不能变为“%(target)s”。")
            % {"current": S(current).label, "target": S(target).label}
        )


def check(version, target) -> None:
    if target not in ALLOWED.get(version.status, ()):
        raise InvalidTransition(version.status, target)
