"""The journey's own subscribers (docs/events.md): what follows a decision but is not part
of it runs after the decision commits — as a task, in the worker — so completing a task
stays a short transaction and the approver does not wait for it.

- An item concluded approved drafts its licence result for the issuer to confirm
  (licenses.services.issue_for_case), and in a bundle the later items' materials that
  this item produces are linked to the draft (produced.earlier_item_concluded). Both are
  safe to run twice: one licence per case, a material linked once."""

from yiwang.core import events
from yiwang.identity.models import User
from yiwang.journey.cases.models import Case, Status
from yiwang.journey.cases.produced import earlier_item_concluded
from yiwang.licenses.services import issue_for_case

APPROVED = {str(Status.APPROVED), str(Status.APPROVED_TOLERATED)}


@events.subscribe(
    "case.concluded",
    name="journey.draft_result",
    when=lambda p: p.get("outcome") in APPROVED,
    later=True,  # the worker drafts it: the approver does not wait for the licence
)
def draft_result(event) -> None:
    case = Case.objects.select_related("item_version", "parent").get(pk=event.aggregate_id)
    if case.bundle_id and case.parent_id is None:
        return  # a bundle's parent has no result of its own: its items have
    by = User.objects.filter(pk=event.actor_id).first() if event.actor_id else None
    licence = issue_for_case(case, by=by)
    if licence is not None and case.parent_id:
        # The later items of the bundle see the new licence among their materials.
        earlier_item_concluded(case, licence, by=by)
