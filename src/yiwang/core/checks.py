"""System checks (`yiwang check`, `yiwang check --deploy`) for settings that are only wrong
in production; docs/configuration.md lists them."""

from django.conf import settings
from django.core import checks

from . import links

SITE_URL_HINT = (
    "Set YIWANG_SITE_URL to the public https address of the site, e.g. "
    "https://zwfw.example.gov.cn (docs/configuration.md)."
)


def _site_url_errors() -> list[checks.Error]:
    return [
        checks.Error(problem, hint=SITE_URL_HINT, id="yiwang.E001")
        for problem in links.problems(settings.YIWANG_SITE_URL)
    ]


@checks.register(checks.Tags.security)
def site_url_in_production(app_configs, **kwargs):
    """Production (`yiwang serve`, `yiwang worker` run this): every link in an SMS, e-mail,
    QR code or PDF is the site URL + a path, so a missing or local one breaks them all."""
    return _site_url_errors() if settings.PRODUCTION else []


@checks.register(checks.Tags.security, deploy=True)
def site_url_for_deploy(app_configs, **kwargs):
    # In production the check above already ran; `check --deploy` elsewhere asks too.
    return [] if settings.PRODUCTION else _site_url_errors()
