from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yiwang.core.exchange import ImportRejected
from yiwang.licenses import importer


class Command(BaseCommand):
    help = _(
        "导入已有电子证照（CSV，UTF-8）。固定列：证照类型编码、证照编号（可空）、持证主体类型、"
        "持证人证件号码、持证人名称、签发日期、有效期至（可空），其后每个照面字段一列。"
        "有任何一行错误则不导入；已入库的证照跳过。说明见 docs/licenses.md。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            rows = importer.parse(file)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d 处错误，未导入任何数据。") % {"count": len(rejected.errors)}
            ) from None
        except FileNotFoundError:
            raise CommandError(_("文件不存在：%(file)s") % {"file": file}) from None
        except UnicodeDecodeError:
            raise CommandError(_("文件不是 UTF-8 编码：%(file)s") % {"file": file}) from None
        summary = importer.import_rows(rows)
        self.stdout.write(
            _("导入完成：新增证照 %(created)d 张，已在库中 %(unchanged)d 张。") % summary
        )
