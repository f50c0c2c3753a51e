"""The `yiwang` command: `yiwang demo | serve | worker | audit verify | audit checkpoint |
<any manage.py command>`.

Hyphenated names map to Django management commands (`import-catalog` → `import_catalog`)."""

import os
import sys

USAGE = """usage: yiwang COMMAND [options]

  demo [--port 8000] [--host 127.0.0.1] [--no-serve]
                 set up a SQLite demo district and run web server + worker
  serve [--port 8000] [--host 127.0.0.1] [--threads 8] [--workers 1]
                 run the web server (uvicorn: pages in a pool of threads per process,
                 live update streams at /live/ without a thread each)
  worker         run the background task worker and periodic jobs (the audit sealer
                 every second)
  audit verify [--no-seal]
                 seal waiting audit events, check the hash chain against its signed
                 checkpoints, print the seal lag
  audit checkpoint
                 seal, then sign a checkpoint of the audit chain now (the worker does it
                 every minute)
  hotline train [--folds 5]
                 train the 12345 dispatch classifier on the appeals dispatchers
                 confirmed and print its cross-validated accuracy (the worker retrains
                 weekly)
  hotline open311-client NAME
                 let an Open311 client post appeals: prints its api_key once
  COMMAND ...    any Django management command (migrate, createsuperuser, shell, ...)
"""


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang", command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
