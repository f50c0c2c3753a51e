from django.dispatch import Signal

# Sent after a version is published (and the previous one retired), inside the transaction.
# Receivers: the search index, caches.
version_published = Signal()  # kwargs: version, previous
