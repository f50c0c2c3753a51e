"""Keep the search index in step with publishing (imported by CatalogConfig.ready)."""

from .. import signals
from .index import on_version_published

signals.version_published.connect(on_version_published, dispatch_uid="catalog.search.index")
