from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web application with waitress (static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from django.conf import settings
        from waitress import serve

        from yiwang.wsgi import application

        serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="yiwang",
            # The same limit as the application's (web.middleware): waitress refuses a
            # larger body, chunked ones included, before buffering it.
            max_request_body_size=settings.YIWANG_REQUEST_MAX_BYTES,
        )
