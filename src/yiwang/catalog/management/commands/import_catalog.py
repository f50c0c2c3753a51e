from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog import exchange
from yiwang.core.exchange import ImportRejected


class Command(BaseCommand):
    help = (
        "Import a catalogue exchange file (catalog.xlsx). Nothing is imported if any row is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            summary = exchange.import_file(file)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(rejected.errors)} 处错误，未导入任何数据。") from None
        except FileNotFoundError:
            raise CommandError(f"文件不存在：{file}") from None
        self.stdout.write(
            "导入完成：新增事项 {items_created}，更新事项 {items_changed}，未变 {items_unchanged}；"
            "证照类型 {license_types}，一件事 {bundles}，机构 {orgs}，"
            "代码表 {code_lists}，数据元 {elements}。".format(**summary)
        )
