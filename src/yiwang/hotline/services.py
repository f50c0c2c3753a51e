"""The 12345 line's only door (docs/hotline.md): recording an appeal, answering it on the
spot, merging duplicates, dispatching it (派单), a unit accepting or returning it (签收/退单),
handling, replying, the dispatcher's review, the citizen's rating, return calls (回访),
extensions and the jobs that warn and close.

Each state change is one function, in one transaction: lock → authorise → check the
transition (transitions.py) → change → timeline entry → audit → domain event → notify.
Errors a person can cause are ValidationErrors with stable codes, in the user's language;
a forbidden move is the machine's TransitionError (409 in the API).

CONTRACT (being implemented): the signatures below are what pages, API, Open311, demo and
jobs call."""

# Intake ---------------------------------------------------------------------------------
#
# record_appeal(*, by, type, text, channel, subject=None, area=None, address="",
#               caller_name="", phone="", citizen=None, confidential=False, title="",
#               board_kind="", lat=None, long=None, attachments=(), received_at=None)
#     -> Appeal
#   Validates everything (NUL and control characters, lengths, a phone in mainland format,
#   the type and channel, a leaf subject, an area that is a street or community), stores
#   attachments checked by journey.cases.uploads.check, flags a likely duplicate
#   (`suspected_duplicate_of`: same phone index or citizen and subject within
#   DUPLICATE_DAYS, or near-identical text), writes the RECEIVED entry. The returned
#   appeal carries `appeal.token` once: the tracking page's key for a caller.
#   `by` is the agent (channel phone), the citizen (web, board) or None (Open311/app).
#
# answer_on_spot(appeal, *, by, answer, article=None) -> Appeal
#   A 咨询 answered from the knowledge base: pending → closed, resolution DIRECT, the answer
#   as the reply, the article (and its version) remembered and its `uses` counted.
#
# merge(appeal, *, into, by) -> Appeal        pending → merged, resolution MERGED
# withdraw(appeal, *, by, reason="") -> Appeal
#
# Dispatch and units ----------------------------------------------------------------------
#
# dispatch(appeal, *, by, subject, lead, assisting=(), note="", suggestion=None) -> Appeal
#   pending → dispatched (or dispatched → dispatched: sent elsewhere). Sets the subject,
#   the lead unit (AppealUnit rows for lead and assisting units), `accept_by` (2 working
#   days) and `due_on` (the subject's `days` working days from the dispatch day, the same
#   calendar as cases: workdays.calendar), keeps the classifier's `suggestion` as given.
#
# accept(appeal, *, by) -> Appeal              the acting user's unit signs (lead: → handling)
# return_appeal(appeal, *, by, reason) -> Appeal
#   The lead unit returns it (退单): → pending, `returns` + 1, the reason in the timeline;
#   an assisting unit's return only ends its own part.
# add_opinion(appeal, *, by, text) -> Appeal   an assisting unit's opinion (协办意见)
# add_note(appeal, *, by, text) -> Appeal      an internal note (never shown to the citizen)
# request_extension(appeal, *, by, days, reason) -> Extension
# decide_extension(extension, *, by, approve, note="") -> Extension
#
# Reply, review, rating, return call --------------------------------------------------------
#
# reply(appeal, *, by, text) -> Appeal         handling → replied (the lead unit)
# review_reply(appeal, *, by, approve, note="", public_reply=None) -> Appeal
#   replied → answered (the citizen sees the reply; a board post is published, masked by
#   masking.mask) or → handling (sent back with the note).
# rate(appeal, *, satisfaction, by=None, token=None, note="") -> Appeal
#   The citizen (owner, or holder of the token): 满意/基本满意 → closed; 不满意 the first
#   time → handling again (`reopened` + 1), the second time → closed.
# record_callback(appeal, *, by, reached, satisfaction="", note="") -> Callback
#   回访 by an agent; a reached caller's satisfaction counts as their rating.
#
# Jobs --------------------------------------------------------------------------------------
#
# refresh_warnings(now=None) -> int            yellow / red on open appeals
# close_unrated(now=None) -> int               answered and unrated after RATING_DAYS → closed
