"""The case's state machines as data (docs/cases.md, "State machines"): the case itself,
with the national 办件状态 code each move writes (the code depends on the move:
resubmitting after a supplement is 7), and each of its materials."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import CaseMaterial
from .models import Status as S

CASE = StateMachine(
    "case",
    S,
    {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        S.SUBMITTED: {S.ACCEPTED, S.SUPPLEMENT, S.REFUSED, S.WITHDRAWN},
        S.SUPPLEMENT: {S.SUBMITTED, S.WITHDRAWN},
        S.ACCEPTED: {S.IN_REVIEW, S.WITHDRAWN},
        S.IN_REVIEW: {S.SUSPENDED, S.APPROVED, S.APPROVED_TOLERATED, S.DENIED, S.WITHDRAWN},
        S.SUSPENDED: {S.IN_REVIEW},
        S.APPROVED: {S.REVOKED},
        S.APPROVED_TOLERATED: {S.REVOKED},
        S.DENIED: set(),
        S.REFUSED: set(),
        S.WITHDRAWN: set(),
        S.REVOKED: set(),
    },
    code="invalid_transition",
    message=_("办件当前状态“%(current)s”，不能变为“%(target)s”。"),
    national={
        (S.DRAFT, S.SUBMITTED): 1,
        (S.DRAFT, S.WITHDRAWN): None,  # a draft that was never filed has no national code
        (S.SUBMITTED, S.WITHDRAWN): 2,
        (S.SUPPLEMENT, S.WITHDRAWN): 2,
        (S.SUBMITTED, S.ACCEPTED): 3,
        (S.SUBMITTED, S.REFUSED): 5,
        (S.SUBMITTED, S.SUPPLEMENT): 6,
        (S.SUPPLEMENT, S.SUBMITTED): 7,
        (S.ACCEPTED, S.IN_REVIEW): 8,
        (S.IN_REVIEW, S.SUSPENDED): 9,
        (S.SUSPENDED, S.IN_REVIEW): 10,
        (S.IN_REVIEW, S.APPROVED): 11,
        (S.IN_REVIEW, S.APPROVED_TOLERATED): 12,
        (S.IN_REVIEW, S.DENIED): 13,
        (S.ACCEPTED, S.WITHDRAWN): 14,
        (S.IN_REVIEW, S.WITHDRAWN): 14,
        (S.APPROVED, S.REVOKED): 15,
        (S.APPROVED_TOLERATED, S.REVOKED): 15,
    },
    initial=S.DRAFT,
)

M = CaseMaterial.State
# What the applicant provides: an upload, the paper at the window, a licence from the
# e-licence library. The window may ask for it again (补正), or accept it later (容缺) when
# it is still owed at acceptance. Materials made by the form or by an earlier item of a
# 一件事 are not asked of the applicant, but the window may still mark them for 补正.
_PROVIDABLE = {M.UPLOADED, M.AT_WINDOW, M.DEFECTIVE}
MATERIAL = StateMachine(
    "case_material",
    M,
    {
        M.MISSING: {*_PROVIDABLE, M.TOLERATED, M.FROM_LICENSE},
        M.UPLOADED: {*_PROVIDABLE, M.MISSING},  # uploaded: another file, or the last removed
        M.AT_WINDOW: {*_PROVIDABLE, M.MISSING},
        M.DEFECTIVE: {*_PROVIDABLE, M.MISSING, M.TOLERATED},
        M.TOLERATED: set(),  # owed after acceptance: provided at the window, outside the draft
        M.FROM_LICENSE: {*_PROVIDABLE, M.MISSING, M.FROM_LICENSE},
        M.FROM_EARLIER_ITEM: {M.DEFECTIVE},
        M.FROM_FORM: {M.DEFECTIVE},
    },
    code="invalid_material_transition",
    message=_("材料当前状态“%(current)s”，不能变为“%(target)s”。"),
    initial=M.MISSING,
    field="state",
)
