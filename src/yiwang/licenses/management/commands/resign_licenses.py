from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from yiwang.licenses import services


class Command(BaseCommand):
    help = _(
        "用当前版本的签名内容重新签署旧版二维码的电子证照（旧版含持证人证件号码摘要）。"
        "可重复运行；旧二维码在线核验为“二维码已失效”，有效证照的持证人会收到重新下载的提醒。"
        "说明见 docs/licenses.md。"
    )

    def handle(self, *args, **options):
        count = services.resign_outdated(by="yiwang resign-licenses")
        self.stdout.write(_("已重新签署 %(count)d 张电子证照。") % {"count": count})
