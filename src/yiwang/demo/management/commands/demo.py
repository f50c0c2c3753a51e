import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from yiwang.audit import services as audit
from yiwang.core import links
from yiwang.demo import accounts, history, loader

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stop(signum, frame):
    # The server (uvicorn) has handlers of its own while it serves and calls this one after
    # it stopped; then the worker follows.
    raise KeyboardInterrupt


def _stop_worker(worker: subprocess.Popen) -> None:
    """The worker finishes the task at hand on SIGTERM (django-tasks' db_worker); one that
    does not end within 10 seconds is killed, so nothing the demo started outlives it."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class Command(BaseCommand):
    help = "Set up the demo district (SQLite, demo data, demo accounts) and run it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="Only prepare the database and data, then exit."
        )

    def handle(self, *args, host, port, no_serve, **options):
        if settings.PRODUCTION:
            raise CommandError("`yiwang demo` is for trying Yiwang out, not for production.")
        site = os.environ.get("YIWANG_SITE_URL") or links.demo_site_url(host, port)
        # Every link the demo writes (SMS, e-mail, licence QR codes, rating links), here and
        # in the worker it starts (which inherits the environment), points at this server.
        os.environ["YIWANG_SITE_URL"] = settings.YIWANG_SITE_URL = site
        self.stdout.write("Preparing the demo database …")
        call_command("migrate", interactive=False, verbosity=0)
        people = loader.load_demo()
        self.stdout.write("Giving the district its past (cases, tasks, warnings) …")
        past = history.load_history()
        url = links.site_url() + "/"
        self._print_accounts(people, url)
        self.stdout.write(str(past) if past else "demo history: already there, nothing added")
        self._print_halls(url, past.halls if past else None)
        self._print_hotline(url)
        # The first signed checkpoint of the audit chain (its key is made on first use under
        # the data folder); from here on the worker signs one whenever the chain grew.
        audit.seal()  # the demo's past joins the chain now; the worker seals from here on
        checkpoint = audit.sign_checkpoint(only_if_moved=True)
        if checkpoint is not None:
            self.stdout.write(
                f"Audit checkpoint signed at event #{checkpoint.seq} (key {checkpoint.kid})."
            )
        if no_serve:
            return
        # Ctrl+C, `kill` (SIGTERM) and a closed terminal (SIGHUP) stop the server and the
        # worker alike. SIGINT is caught even when the shell started the demo in the
        # background with SIGINT ignored: `kill -INT` is a way to stop it too.
        previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
        worker = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "worker"])  # noqa: S603
        self.stdout.write(f"Worker started (pid {worker.pid}). Serving on {url} — Ctrl+C stops.")
        self.stdout.flush()
        try:
            call_command("serve", host=host, port=port)
        except KeyboardInterrupt:
            pass
        finally:
            for sig in STOP_SIGNALS:  # a second Ctrl+C must not cut the clean-up short
                signal.signal(sig, signal.SIG_IGN)
            _stop_worker(worker)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Demo stopped: web server and worker.")

    def _print_halls(self, url, summary):
        """Where the halls' pages are: the district centre's board, kiosk and figures, the
        window page, and a number served today that waits for its rating."""
        from yiwang.demo.halls import CENTRE
        from yiwang.halls.models import Hall

        hall = Hall.objects.filter(org__code=CENTRE).first()
        if hall is None:
            return
        out = self.stdout
        out.write(f"Service hall ({hall.name}):")
        out.write(f"  display board   {url}hall/{hall.pk}/board/")
        out.write(f"  kiosk           {url}hall/{hall.pk}/kiosk/")
        out.write(f"  window page     {url}workbench/window/  (window-1 … window-6)")
        out.write(f"  manager page    {url}workbench/hall/{hall.pk}/  (hall-manager)")
        if summary is not None and summary.rate_token:
            out.write(f"  rate a service  {url}hall/rate/{summary.rate_token}/")
        self._print_appointment(url)

    def _print_hotline(self, url):
        """Where the 12345 line's pages are, and who uses them."""
        out = self.stdout
        out.write("12345 line:")
        out.write(f"  agent's console {url}workbench/hotline/console/  (hotline-agent)")
        out.write(f"  dispatching     {url}workbench/hotline/dispatch/  (dispatcher)")
        out.write(f"  a unit's queue  {url}workbench/hotline/unit/  (handler-cgw, handler-zjw, …)")
        out.write(f"  hotspots        {url}workbench/hotline/hotspots/  (supervisor, dispatcher)")
        out.write(f"  citizens        {url}hotline/new/  {url}my/appeals/  (citizen)")
        out.write(f"  message board   {url}board/")
        out.write(f"  Open311         {url}open311/v2/discovery.json")

    def _print_appointment(self, url):
        """`citizen`'s next appointment and the kiosk page where it is checked in (read from
        the database, so a second run still shows it while it is coming)."""
        from django.utils import timezone

        from yiwang.halls.appointments import when_words
        from yiwang.halls.models import Appointment, AppointmentStatus

        mine = (
            Appointment.objects.filter(
                citizen__username="citizen",
                status=AppointmentStatus.BOOKED,
                ends_at__gt=timezone.now(),
            )
            .select_related("hall")
            .order_by("starts_at")
            .first()
        )
        if mine is None:
            return
        out = self.stdout
        out.write(
            f"  appointment     citizen's code {mine.code_display}, {when_words(mine)} at "
            f"{mine.hall.name}"
        )
        out.write(f"  check in        {url}hall/{mine.hall_id}/kiosk/?step=appointment")

    def _print_accounts(self, people, url):
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(f"Yiwang demo is ready: {url}"))
        out.write(f"Database: {settings.DATABASES['default']['NAME']}")
        out.write(f"Every demo account's password: {accounts.DEMO_PASSWORD}")
        out.write(f"API: {url}api/v1/  ·  API docs: {url}api/docs/  ·  Admin: {url}admin/")
        width = max(len(u) for u, _, _ in people)
        shown = [p for p in people if not p[0].startswith(("reviewer-", "head-"))]
        for username, name, what in shown:
            out.write(f"  {username.ljust(width)}  {name}  {what}")
        departments = len(people) - len(shown)
        out.write(
            f"  … and {departments} department accounts: reviewer-<code>, head-<code> "
            "(e.g. reviewer-cgw, head-xfj)"
        )
