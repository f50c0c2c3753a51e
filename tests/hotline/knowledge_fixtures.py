"""What the knowledge-base tests share: the demo district's subject tree (from
demo/data/hotline/categories.yaml), staff of the line, and the demo knowledge base."""

from pathlib import Path

import pytest
import yaml

from tests.dbcache import rows_of
from yiwang.hotline import knowledge_index
from yiwang.hotline.models import Article, Subject
from yiwang.identity.models import OrgUnit, RoleGrant, User
from yiwang.identity.roles import Role

DATA = Path(__file__).resolve().parents[2] / "src/yiwang/demo/data/hotline"
DISTRICT = "990101"
CGW = "990101-CGW"  # 城市管理委员会: owns the CS-* subjects
ZJW = "990101-ZJW"  # 住房和城乡建设委员会: owns the ZF-* subjects

# username → (role, org code)
STAFF = {
    "kb-dispatcher": (Role.DISPATCHER, DISTRICT),
    "kb-agent": (Role.HOTLINE_AGENT, DISTRICT),
    "kb-supervisor": (Role.SUPERVISOR, DISTRICT),
    "kb-handler-cgw": (Role.HANDLER, CGW),
    "kb-handler-zjw": (Role.HANDLER, ZJW),
}


def _subjects():
    data = yaml.safe_load((DATA / "categories.yaml").read_text(encoding="utf-8"))
    orgs = {o.code: o for o in OrgUnit.objects.all()}
    position = 0
    for top in data["subjects"]:
        parent, _ = Subject.objects.get_or_create(
            code=top["code"], defaults={"name": top["name"], "position": position}
        )
        for child in top["children"]:
            position += 1
            Subject.objects.get_or_create(
                code=child["code"],
                defaults={
                    "name": child["name"],
                    "parent": parent,
                    "org": orgs.get(child.get("org")),
                    "days": child.get("deadline", 5),
                    "keywords": child.get("keywords", []),
                    "position": position,
                },
            )


def _staff():
    for username, (role, code) in STAFF.items():
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username, real_name=username, kind=User.Kind.STAFF
        )
        RoleGrant.objects.get_or_create(user=user, role=role, org=OrgUnit.objects.get(code=code))


def knowledge_data() -> list[dict]:
    return yaml.safe_load((DATA / "knowledge.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def kb_line(demo):
    """The demo district with the line's subject tree and its staff (STAFF)."""
    rows_of("hotline.knowledge.line", lambda: (_subjects(), _staff()))
    knowledge_index.forget()
    yield
    knowledge_index.forget()


@pytest.fixture
def kb(demo_catalog):
    """The demo district with its catalogue, the subject tree, the staff, and the 40
    articles of demo/data/hotline/knowledge.yaml; returns them by their id (K001 …)."""
    from yiwang.hotline import knowledge

    def build():
        _subjects()
        _staff()
        knowledge.load_articles(knowledge_data())

    rows_of("hotline.knowledge.kb", build)
    knowledge_index.forget()
    by_question = {a.question: a for a in Article.objects.all()}
    yield {row["id"]: by_question[row["question"]] for row in knowledge_data()}
    knowledge_index.forget()


@pytest.fixture
def staff(kb_line, user_named):
    return {name: user_named(name) for name in STAFF}


@pytest.fixture
def kb_staff(kb, user_named):
    return {name: user_named(name) for name in STAFF}
