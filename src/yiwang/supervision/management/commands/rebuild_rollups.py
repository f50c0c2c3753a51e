"""`yiwang rebuild-rollups [--since YYYY-MM-DD] [--until YYYY-MM-DD]`: count the dashboard's
daily figures again from the source tables (after an import, a restore, a holiday schedule
that moved deadlines, or on a new installation), set-based, a month per transaction."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yiwang.supervision import rollups


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("日期应为 YYYY-MM-DD：%(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = _("重新统计电子监察的每日汇总和实时在办数据。")

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, help=_("从这一天起（默认：最早的办件）"))
        parser.add_argument("--until", type=_day, help=_("到这一天止（默认：今天）"))

    def handle(self, *args, since, until, **options):
        if since and until and since > until:
            raise CommandError(_("开始日期晚于结束日期。"))
        started = time.monotonic()
        rows = rollups.rebuild(since, until)
        self.stdout.write(
            self.style.SUCCESS(
                _("已重新统计：%(rows)d 行每日汇总，%(s).1f 秒。")
                % {"rows": rows, "s": time.monotonic() - started}
            )
        )
