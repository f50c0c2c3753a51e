"""The licence's state machine as data (docs/cases.md, "State machines"): a valid
licence is revoked (注销) or replaced (换发) by a new one, and either is final. A licence
past its date reads as expired without changing state (models.License.status_on)."""

from django.utils.translation import gettext_lazy as _

from yiwang.core.machines import StateMachine

from .models import Status as S

LICENCE = StateMachine(
    "license",
    S,
    {S.VALID: {S.REVOKED, S.REPLACED}, S.REVOKED: set(), S.REPLACED: set()},
    code="invalid_license_transition",
    message=_("证照当前状态“%(current)s”，不能变为“%(target)s”。"),
    # The API's codes from before the machine: one refusal per action.
    refusals={
        S.REVOKED: ("not_revocable", _("只有已制证且未注销、未换发的证照可以注销。")),
        S.REPLACED: ("not_replaceable", _("只有已制证且未注销、未换发的证照可以换发。")),
    },
    initial=S.VALID,
)
