from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yiwang.core.exchange import ImportRejected
from yiwang.workdays import services


class Command(BaseCommand):
    help = _(
        "导入节假日安排（CSV，UTF-8，表头“日期,类型,名称”，类型为“休息”或“上班”）。"
        "加 --year 表示文件是该年的完整安排。有任何一行错误则不导入。说明见 docs/holidays.md。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--year",
            type=int,
            help=_("文件是该年完整的节假日安排：标记该年已公布，未列出的工作日上班、周末休息。"),
        )
        parser.add_argument("--note", default="", help=_("记在该年份上的说明，如通知文号。"))

    def handle(self, *args, file, year=None, note="", **options):
        try:
            rows = services.parse_schedule(file, year=year)
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
        summary = services.import_schedule(rows, by="yiwang import-holidays", year=year, note=note)
        self.stdout.write(
            _(
                "导入完成：新增 %(created)d 天，修改 %(updated)d 天，未变 %(unchanged)d 天，"
                "删除 %(removed)d 天。"
            )
            % summary
        )
        if year is not None:
            self.stdout.write(
                _("%(year)d年已标记为节假日安排已公布；该年的暂定期限将重新计算。") % {"year": year}
            )
