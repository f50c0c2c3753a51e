from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.licenses import signing


class Command(BaseCommand):
    help = _(
        "启用新的证照签名密钥。旧密钥停用但仍可核验它签过的证照；公钥公布于 /api/v1/license-keys。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", default=signing.DEFAULT_ALGORITHM)

    def handle(self, *args, algorithm, **options):
        key = signing.rotate_key(algorithm)
        audit.record("yiwang rotate-license-key", "license.key_rotated", key)
        self.stdout.write(
            _("新的签名密钥 %(kid)s（%(alg)s）已启用。") % {"kid": key.kid, "alg": key.algorithm}
        )
