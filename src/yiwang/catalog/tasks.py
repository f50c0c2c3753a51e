"""Background work of the catalogue: importing an uploaded exchange file.

Progress. `exchange.import_sheets` writes everything inside one transaction, so a progress
figure saved on the worker's own connection would only become visible when the import is
over. The task therefore reports progress in two ways:

- at phase boundaries, on its own connection between transactions: queued 0 %, reading 5 %,
  validating and importing from 20 %, finished 100 % (works on every database);
- per item during the import, through a second, autocommitting connection on PostgreSQL,
  which maps the importer's 0–100 % onto 20–99 %. SQLite allows one writer at a time and the
  import holds the write lock, so on SQLite the bar stays at 20 % until the import is done —
  coarse, but honest: the page still says "导入中" and never shows a figure that is not true.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

logger = logging.getLogger(__name__)

IMPORT_START = 20  # per cent shown once the file has been read


def _progress_writer(import_id: int):
    """A callback that writes progress outside the import's transaction, where it can."""
    from .models import CatalogImport

    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return (lambda percent: None), (lambda: None)
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = CatalogImport._meta.db_table
    last = [-1]

    def write(percent: int) -> None:
        shown = IMPORT_START + percent * (99 - IMPORT_START) // 100
        if shown == last[0]:
            return
        last[0] = shown
        try:
            with side.cursor() as cursor:
                cursor.execute(
                    # the table name comes from the model, every value is a parameter
                    f'UPDATE "{table}" SET progress = %s WHERE id = %s AND progress < %s',  # noqa: S608
                    [shown, import_id, shown],
                )
        except Exception:  # a progress bar must never break an import
            logger.warning("could not report progress of import %s", import_id, exc_info=True)

    return write, side.close


@task()
def run_import(import_id: int) -> str:
    from yiwang.core.exchange import ImportRejected
    from yiwang.identity.models import User

    from . import exchange, transitions
    from .models import CatalogImport

    record = CatalogImport.objects.get(pk=import_id)
    if record.status != CatalogImport.Status.QUEUED:
        return record.status  # a retried task does not import twice
    rows = CatalogImport.objects.filter(pk=import_id)
    if not transitions.IMPORT.update(rows, CatalogImport.Status.RUNNING, progress=5):
        return CatalogImport.objects.get(pk=import_id).status  # another worker took it

    by = User.objects.filter(pk=record.created_by_id).first()
    progress, close = _progress_writer(import_id)
    try:
        with record.file.open("rb") as handle:
            sheets = exchange.read_workbook(handle)
        rows.update(progress=IMPORT_START)
        summary = exchange.import_sheets(sheets, by=by, progress=progress)
    except ImportRejected as rejected:
        transitions.IMPORT.update(
            rows,
            CatalogImport.Status.REJECTED,
            progress=100,
            errors=[e.as_dict() for e in rejected.errors],
            finished_at=timezone.now(),
        )
        return CatalogImport.Status.REJECTED
    except Exception:  # an unreadable file, a broken zip: say so on the page
        logger.exception("catalogue import %s failed", import_id)
        message = _("无法读取该文件，请确认它是有效的 .xlsx 事项交换文件。")
        transitions.IMPORT.update(
            rows,
            CatalogImport.Status.FAILED,
            progress=100,
            errors=[{"sheet": "", "row": 0, "column": "", "message": message, "text": message}],
            finished_at=timezone.now(),
        )
        return CatalogImport.Status.FAILED
    finally:
        close()
    transitions.IMPORT.update(
        rows,
        CatalogImport.Status.DONE,
        progress=100,
        summary=summary,
        finished_at=timezone.now(),
    )
    return CatalogImport.Status.DONE
