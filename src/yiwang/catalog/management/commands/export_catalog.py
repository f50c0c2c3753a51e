from django.core.management.base import BaseCommand

from yiwang.catalog import exchange


class Command(BaseCommand):
    help = "Export the published catalogue as an exchange file (catalog.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        exchange.export_workbook(file)
        self.stdout.write(f"已导出：{file}")
