"""The knowledge base (知识库, docs/hotline.md, "The knowledge base"): the line's standard
answers to common questions, each linked to a subject and, where there is one, a catalogue
item; owned by a unit, reviewed by a date, versioned.

Every change is one service function in one transaction: lock → authorise
(`hotline.knowledge`, knowledge_rules.py) → validate → change → audit; the search index
(knowledge_index.py) is told. Each text an article had is an ArticleVersion row: version 1
when it is written, one more on every edit of its question or answer.

`search(query, subject=None, limit=5)` is what the agent's console calls as the agent
types: the catalogue's tokeniser and bm25, over an index held in memory."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.catalog.models import ServiceItem
from yiwang.catalog.search import query as catalog_query
from yiwang.core import limits
from yiwang.identity import policy
from yiwang.identity.models import OrgUnit
from yiwang.workdays.calendar import SHANGHAI

from . import knowledge_index
from .knowledge_rules import MAINTAIN
from .models import Article, ArticleVersion, Subject

QUESTION_MIN, QUESTION_MAX = 4, 300  # the column holds 300
ANSWER_MIN = 10
MAX_QUERY = 100  # characters of a search query looked at
MAX_LIMIT = 50
# A new article is due for review after this many days unless a date is given; a review
# date may be set at most this far ahead (a standard answer goes stale: fees, addresses,
# time limits change).
REVIEW_DAYS = 180
REVIEW_MAX_DAYS = 3 * 366

UNCHANGED = _UNSET = object()  # an edit's field left as it is


def today() -> datetime.date:
    return timezone.now().astimezone(SHANGHAI).date()


# --- validation -----------------------------------------------------------------------------


def _question(value) -> str:
    question = limits.clean_text(value, label=_("问题"), field="question", max_chars=QUESTION_MAX)
    question = " ".join(question.split())  # one line: it is a heading and a search field
    if len(question) < QUESTION_MIN:
        raise ValidationError(
            {"question": _("问题至少要写 %(n)d 个字。") % {"n": QUESTION_MIN}},
            code="question_short",
        )
    return question


def _answer(value) -> str:
    answer = limits.clean_text(value, label=_("标准答复"), field="answer")
    if len(answer) < ANSWER_MIN:
        raise ValidationError(
            {"answer": _("标准答复至少要写 %(n)d 个字。") % {"n": ANSWER_MIN}},
            code="answer_short",
        )
    return answer


def _subject(value) -> Subject:
    """A second-level subject that is in use, given as itself, its id or its code."""
    found = None
    if isinstance(value, Subject):
        found = value
    elif isinstance(value, int) and not isinstance(value, bool):
        found = Subject.objects.filter(pk=value).first()
    elif isinstance(value, str) and value and not limits.has_control_chars(value):
        found = Subject.objects.filter(code=value.strip()[:20]).first()
    if found is None or not found.is_active or found.parent_id is None:
        raise ValidationError(
            {"subject": _("请选择一个启用中的二级诉求分类。")}, code="subject_invalid"
        )
    return found


def _item(value) -> ServiceItem | None:
    """A catalogue item that exists, given as itself, its id or its code; None for none."""
    if value is None or value == "":
        return None
    found = None
    if isinstance(value, ServiceItem):
        found = ServiceItem.objects.filter(pk=value.pk).first() if value.pk else None
    elif isinstance(value, int) and not isinstance(value, bool):
        found = ServiceItem.objects.filter(pk=value).first()
    elif isinstance(value, str) and not limits.has_control_chars(value):
        found = ServiceItem.objects.filter(code=value.strip()[:32]).first()
    if found is None:
        raise ValidationError({"item": _("关联的事项不存在。")}, code="item_invalid")
    return found


def _owner(value) -> OrgUnit | None:
    if value is None:
        return None
    if isinstance(value, OrgUnit) and value.pk:
        return value
    raise ValidationError({"owner": _("负责单位不存在。")}, code="owner_invalid")


def _review_on(value, *, field: str = "review_on") -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({field: _("请填写复核日期。")}, code="review_date_invalid")
    if value <= today():
        raise ValidationError({field: _("复核日期须在今天之后。")}, code="review_date_past")
    if value > today() + datetime.timedelta(days=REVIEW_MAX_DAYS):
        raise ValidationError({field: _("复核日期最多定在三年之内。")}, code="review_date_far")
    return value


def _authorise(user, article: Article) -> None:
    """May `user` maintain this article (as it is, or as it is about to be)? A handler of
    another unit, or someone without a role of the line, is refused."""
    if not policy.can(user, MAINTAIN, article):
        raise PermissionDenied(_("您无权维护这篇知识库文章。"))


def _org_path(article: Article) -> str:
    return article.owner.path if article.owner_id else ""


def _locked(article: Article) -> Article:
    return (
        Article.objects.select_for_update(of=("self",)).select_related("owner").get(pk=article.pk)
    )


# --- services -------------------------------------------------------------------------------


def create_article(
    *, by, subject, question, answer, item=None, owner=None, review_on=None
) -> Article:
    """Write a new article (version 1). The owner defaults to the subject's default unit,
    the review date to REVIEW_DAYS from today."""
    subject = _subject(subject)
    article = Article(
        subject=subject,
        item=_item(item),
        question=_question(question),
        answer=_answer(answer),
        owner=_owner(owner) or subject.org,
        review_on=(
            _review_on(review_on)
            if review_on is not None
            else today() + datetime.timedelta(days=REVIEW_DAYS)
        ),
    )
    _authorise(by, article)
    with transaction.atomic():
        article.save()
        _write_versions(article, by)
        audit.record(
            by,
            "hotline.article.create",
            article,
            summary={"subject": subject.code, "version": 1},
            org_path=_org_path(article),
        )
    knowledge_index.changed()
    return article


def _write_versions(article: Article, by, *, previous: tuple | None = None) -> None:
    """The article's current text as its version row; with `previous` (version, question,
    answer, when it was written), the row of the text it replaces too when it is missing (an article written
    before versions were kept): one INSERT either way."""
    now = timezone.now()
    rows = []
    if previous is not None:
        number, question, answer, written = previous
        rows.append(
            ArticleVersion(
                article=article,
                version=number,
                question=question,
                answer=answer,
                edited_by=None,
                edited_at=written or now,
            )
        )
    rows.append(
        ArticleVersion(
            article=article,
            version=article.version,
            question=article.question,
            answer=article.answer,
            edited_by=by if getattr(by, "is_authenticated", False) else None,
            edited_at=now,
        )
    )
    ArticleVersion.objects.bulk_create(rows, ignore_conflicts=previous is not None)


def edit_article(
    article: Article,
    *,
    by,
    question,
    answer,
    subject=_UNSET,
    item=_UNSET,
    owner=_UNSET,
    review_on=_UNSET,
    expected_version: int | None = None,
) -> Article:
    """Change an article. A new question or answer is a new version (version + 1, its
    ArticleVersion row); the subject, item, owner and review date change in place. With
    `expected_version` (the version the editor started from), an edit made meanwhile by
    someone else is refused rather than overwritten."""
    question = _question(question)
    answer = _answer(answer)
    subject = _subject(subject) if subject is not _UNSET else _UNSET
    item = _item(item) if item is not _UNSET else _UNSET
    owner = _owner(owner) if owner is not _UNSET else _UNSET
    if review_on is not _UNSET and review_on is not None:
        review_on = _review_on(review_on)
    with transaction.atomic():
        article = _locked(article)
        _authorise(by, article)
        if expected_version is not None and article.version != expected_version:
            raise ValidationError(
                _("这篇文章已被他人修改（现在是第 %(n)d 版），请刷新后在最新版本上修改。")
                % {"n": article.version},
                code="stale_version",
            )
        changes = {}
        previous = (article.version, article.question, article.answer, article.updated_at)
        text_changed = (question, answer) != (article.question, article.answer)
        if text_changed:
            article.question, article.answer = question, answer
            article.version += 1
            changes["version"] = article.version
        if subject is not _UNSET and subject.pk != article.subject_id:
            article.subject = subject
            changes["subject"] = subject.code
        if item is not _UNSET and (item.pk if item else None) != article.item_id:
            article.item = item
            changes["item"] = item.code if item else ""
        if owner is not _UNSET and (owner.pk if owner else None) != article.owner_id:
            article.owner = owner
            changes["owner"] = owner.code if owner else ""
            # Giving it away needs the right to maintain it where it goes too.
            _authorise(by, article)
        if review_on is not _UNSET and review_on != article.review_on:
            article.review_on = review_on
            changes["review_on"] = str(review_on) if review_on else ""
        if not changes:
            return article
        article.save()
        if text_changed:
            _write_versions(article, by, previous=previous)
        audit.record(
            by, "hotline.article.edit", article, summary=changes, org_path=_org_path(article)
        )
    knowledge_index.changed()
    return article


def _set_active(article: Article, *, by, active: bool, reason: str = "") -> Article:
    reason = limits.clean_text(reason, label=_("原因"), field="reason", max_chars=500)
    with transaction.atomic():
        article = _locked(article)
        _authorise(by, article)
        if article.is_active == active:
            raise ValidationError(
                _("这篇文章已经启用。") if active else _("这篇文章已经停用。"),
                code="already_active" if active else "already_retired",
            )
        article.is_active = active
        article.save(update_fields=["is_active", "updated_at"])
        audit.record(
            by,
            "hotline.article.restore" if active else "hotline.article.retire",
            article,
            summary={"reason": reason} if reason else None,
            org_path=_org_path(article),
        )
    knowledge_index.changed()
    return article


def retire_article(article: Article, *, by, reason: str = "") -> Article:
    """Take an article out of use: agents and citizens no longer find it; its versions stay."""
    return _set_active(article, by=by, active=False, reason=reason)


def restore_article(article: Article, *, by) -> Article:
    return _set_active(article, by=by, active=True)


def mark_reviewed(article: Article, *, by, next_review_on) -> Article:
    """The owner checked the article is still right: the next review date moves on."""
    next_review_on = _review_on(next_review_on, field="next_review_on")
    with transaction.atomic():
        article = _locked(article)
        _authorise(by, article)
        previous = article.review_on
        article.review_on = next_review_on
        article.save(update_fields=["review_on", "updated_at"])
        audit.record(
            by,
            "hotline.article.review",
            article,
            summary={"from": str(previous or ""), "to": str(next_review_on)},
            org_path=_org_path(article),
        )
    return article


# --- reading --------------------------------------------------------------------------------


def normalise_query(raw) -> str:
    """What is searched for: a string without control characters, trimmed, its spaces
    collapsed, at most MAX_QUERY characters; anything else is the empty query."""
    if not isinstance(raw, str) or limits.has_control_chars(raw):
        return ""
    return " ".join(raw[: MAX_QUERY * 4].split())[:MAX_QUERY]


def query_words(query: str) -> list[str]:
    """The words and phrases of a query as the search reads them (question words dropped,
    colloquial phrases' official terms added), longest first: for excerpts and marks."""
    query = normalise_query(query)
    if not query:
        return []
    parsed = catalog_query.parse(query)
    words = [w for w in dict.fromkeys([*parsed.expansions, *parsed.words]) if len(w) > 1]
    return sorted(words, key=len, reverse=True)


def _subject_ids(subject) -> frozenset[int] | None:
    if subject is None or subject == "":
        return None
    if isinstance(subject, Subject):
        return frozenset({subject.pk})
    if isinstance(subject, int) and not isinstance(subject, bool):
        return frozenset({subject})
    if isinstance(subject, str) and not limits.has_control_chars(subject):
        found = Subject.objects.filter(code=subject.strip()[:20]).values_list("pk", flat=True)
        return frozenset(found)
    return frozenset()


def search_ids(query, *, subject=None, limit: int = 5) -> list[int]:
    """The ids of the active articles that answer the query, best first."""
    query = normalise_query(query)
    if not query:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    subject_ids = _subject_ids(subject)
    if subject_ids is not None and not subject_ids:
        return []
    return knowledge_index.snapshot().rank(query, subject_ids, limit)


def search(query: str, *, subject=None, limit: int = 5) -> list[Article]:
    """The active articles that answer the query, best first: the question weighs most,
    then the linked item's name, the subject's names and keywords, the answer least
    (docs/hotline.md, "The knowledge base"). `subject` (a Subject, its id or code) keeps
    the articles of that subject, or of its children for a first-level one. One SQL
    statement once the index is built."""
    ids = search_ids(query, subject=subject, limit=limit)
    if not ids:
        return []
    found = Article.objects.select_related(
        "subject", "subject__parent", "item", "item__published", "owner"
    ).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def due_for_review(queryset=None, *, on: datetime.date | None = None):
    """Active articles whose review date has come (or was never set), the oldest first."""
    from django.db.models import F, Q

    queryset = queryset if queryset is not None else Article.objects.all()
    on = on or today()
    return queryset.filter(
        Q(review_on__lte=on) | Q(review_on__isnull=True), is_active=True
    ).order_by(F("review_on").asc(nulls_first=True), "pk")


def versions(article: Article):
    return article.versions.select_related("edited_by").order_by("-version")


# --- loading --------------------------------------------------------------------------------


def load_articles(data: list[dict], *, by=None) -> dict[str, Article]:
    """Articles from the structure of demo/data/hotline/knowledge.yaml (id, subject code,
    question, answer, item = a catalogue item's name). Idempotent: an article is known by
    its question; one already there whose answer, subject or item differs is brought up
    to date (a new version when its answer changed). An item that the catalogue does not
    have is left out. Returns the articles by their `id` in the data.

    The demo loader calls it without `by` (a system load, not authorised per article)."""
    if not isinstance(data, list):
        raise ValidationError(_("知识库数据须为文章的列表。"), code="knowledge_data")
    rows = []
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise ValidationError(
                _("知识库数据第 %(n)d 条不是文章。") % {"n": number}, code="knowledge_data"
            )
        key = str(entry.get("id") or f"#{number}")
        try:
            rows.append(
                (
                    key,
                    str(entry.get("subject") or ""),
                    _question(entry.get("question")),
                    _answer(entry.get("answer")),
                    limits.clean_text(entry.get("item") or "", label=_("关联事项"), max_chars=200),
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                _("知识库文章 %(id)s：%(problem)s")
                % {"id": key, "problem": "；".join(exc.messages)},
                code="knowledge_data",
            ) from exc
    subjects = Subject.objects.select_related("org").in_bulk(
        {row[1] for row in rows}, field_name="code"
    )
    items = {}
    for item in ServiceItem.objects.filter(
        published__name__in={row[4] for row in rows if row[4]}
    ).select_related("published"):
        items.setdefault(item.published.name, item)
    existing = {a.question: a for a in Article.objects.filter(question__in=[r[2] for r in rows])}
    created = []
    found: dict[str, Article] = {}
    with transaction.atomic():
        for key, code, question, answer, item_name in rows:
            subject = subjects.get(code)
            if subject is None or subject.parent_id is None:
                raise ValidationError(
                    _("知识库文章 %(id)s：诉求分类“%(code)s”不存在或不是二级分类。")
                    % {"id": key, "code": code[:20]},
                    code="knowledge_data",
                )
            item = items.get(item_name)
            article = existing.get(question)
            if article is None:
                article = Article(
                    subject=subject,
                    item=item,
                    question=question,
                    answer=answer,
                    owner=subject.org,
                    review_on=today() + datetime.timedelta(days=REVIEW_DAYS),
                )
                created.append(article)
                existing[question] = article
            elif (article.answer, article.subject_id, article.item_id) != (
                answer,
                subject.pk,
                item.pk if item else None,
            ):
                previous = (article.version, article.question, article.answer, article.updated_at)
                if article.answer != answer:
                    article.answer = answer
                    article.version += 1
                article.subject, article.item = subject, item
                article.save()
                if article.version != previous[0]:
                    _write_versions(article, by, previous=previous)
            found[key] = article
        if created:
            Article.objects.bulk_create(created)
            now = timezone.now()
            ArticleVersion.objects.bulk_create(
                [
                    ArticleVersion(
                        article=a,
                        version=1,
                        question=a.question,
                        answer=a.answer,
                        edited_by=by if getattr(by, "is_authenticated", False) else None,
                        edited_at=now,
                    )
                    for a in created
                ]
            )
        audit.record(
            by or "demo",
            "hotline.article.load",
            summary={"articles": len(rows), "created": len(created)},
        )
    knowledge_index.changed()
    return found
