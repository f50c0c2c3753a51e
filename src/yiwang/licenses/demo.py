"""The demo's licences: the file src/yiwang/demo/data/licenses.csv (identity cards, household
registers, a marriage certificate, 李四's 残疾人证 (the hall's disabled lane, with her
consent), the demo enterprise's business licence and food permit, an expired residence
permit), then one licence revoked by its issuing department, so the
wallet shows every state. Safe to run again."""

from importlib import resources
from pathlib import Path

from django.db import transaction

from yiwang.identity.models import User

from . import importer, services
from .models import License, Status

REVOKED_NUMBER = "JZZ-2026-000318"  # 张三's residence permit, void since he settled here
REVOKED_BY = "head-gaj"  # 示例市公安局示范分局负责人 (the issuing department)


def licenses_file() -> Path:
    return Path(str(resources.files("yiwang.demo") / "data" / "licenses.csv"))


@transaction.atomic
def load_licenses() -> dict[str, int]:
    """Needs the catalogue (licence types) and the demo people."""
    summary = importer.import_file(licenses_file(), by="yiwang demo")
    # A demo database made before the claims lost the holder digest comes out clean too.
    services.resign_outdated(by="yiwang demo")
    licence = License.objects.filter(number=REVOKED_NUMBER, status=Status.VALID).first()
    if licence is not None:
        services.revoke(
            licence.pk,
            by=User.objects.get(username=REVOKED_BY),
            reason="持证人已在本区登记常住户口，居住证收回注销。",
        )
    return summary
