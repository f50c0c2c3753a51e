from django.core.management.base import BaseCommand

from yiwang.catalog import cache
from yiwang.catalog.search import index


class Command(BaseCommand):
    help = (
        "Rebuild the search index of the published catalogue (after editing synonyms.txt, "
        "or after loading versions without publishing them one by one)."
    )

    def handle(self, *args, **options):
        count = index.rebuild()
        cache.invalidate()  # cached search results were ranked against the old index
        self.stdout.write(f"已重建搜索索引：{count} 个事项")
