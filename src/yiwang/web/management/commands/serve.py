import os

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Serve the web application with uvicorn: pages in a pool of threads, live update "
        "streams (/live/) as async server-sent events (yiwang.asgi)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads", type=int, default=8, help="threads per process serving pages"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="web processes sharing the port (live updates reach the viewers of all)",
        )

    def handle(self, *args, host, port, threads, workers, **options):
        import uvicorn

        if threads < 1 or workers < 1:
            raise CommandError("--threads and --workers must be at least 1.")
        # Every process imports yiwang.asgi by name and reads its thread count from here.
        os.environ["YIWANG_WEB_THREADS"] = str(threads)
        uvicorn.run("yiwang.asgi:application", **uvicorn_options(host, port, workers))


def uvicorn_options(host: str, port: int, workers: int) -> dict:
    """Forwarded headers are judged once, by yiwang.core.proxies against
    YIWANG_TRUSTED_PROXIES, whatever server runs Yiwang: uvicorn's own proxy-header handling
    (which trusts 127.0.0.1 and rewrites the client's address) is off. Logging stays
    Django's (LOGGING); the request body limit is the application's (yiwang.asgi)."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": False,
        "server_header": False,
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        # Streams end at once on SIGTERM (yiwang.core.live.hub); pages in flight get this
        # long to finish.
        "timeout_graceful_shutdown": 20,
    }
