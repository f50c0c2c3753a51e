from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web application with waitress (static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
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
            **waitress_proxy_options(),
        )


def waitress_proxy_options() -> dict:
    """Forwarded headers are judged once, by yiwang.core.proxies against
    YIWANG_TRUSTED_PROXIES, the same for every WSGI server. waitress's own `trusted_proxy`
    names a single address (no networks) and takes the N-th entry of X-Forwarded-For without
    asking whether the hops before were trusted, so it is left unset. With no proxy trusted,
    waitress drops the headers as well; with some, it passes them on and the middleware keeps
    them only from a trusted peer."""
    return {
        "trusted_proxy": None,
        "clear_untrusted_proxy_headers": not settings.YIWANG_TRUSTED_PROXIES,
    }
