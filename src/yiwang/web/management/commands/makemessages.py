"""Django's makemessages, also collecting `_lazy("…")` (gettext_lazy imported beside gettext
as `_` in the same module). Customising xgettext's keywords this way is what Django's docs
suggest: https://docs.djangoproject.com/en/5.2/topics/i18n/translation/#customizing-the-makemessages-command"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
