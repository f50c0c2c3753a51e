"""The catalogue's state machines as data (docs/cases.md, "State machines"): an item
version (draft → in review → published → retired, or back to draft from review) and a
catalogue import (queued → running → done, rejected or failed)."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import CatalogImport
from .models import VersionStatus as S

VERSION = StateMachine(
    "item_version",
    S,
    {
        S.DRAFT: {S.IN_REVIEW},
        S.IN_REVIEW: {S.PUBLISHED, S.DRAFT},
        S.PUBLISHED: {S.RETIRED},
        S.RETIRED: set(),
    },
    code="invalid_transition",
    message=_("当前状态“%(current)s”不能变为“%(target)s”。"),
    initial=S.DRAFT,
)

Q = CatalogImport.Status
IMPORT = StateMachine(
    "catalog_import",
    Q,
    {
        Q.QUEUED: {Q.RUNNING},
        Q.RUNNING: {Q.DONE, Q.REJECTED, Q.FAILED},
        Q.DONE: set(),
        Q.REJECTED: set(),
        Q.FAILED: set(),
    },
    code="invalid_import_transition",
    message=_("导入当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=Q.QUEUED,
)
