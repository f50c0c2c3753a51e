import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiwang.audit import checkpoints, services

REASONS = {
    "malformed": "not a checkpoint line",
    "unknown_key": "signed with a key that is not published",
    "bad_signature": "its signature does not match its content",
}


def _age(then: datetime.datetime, now: datetime.datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class Command(BaseCommand):
    help = (
        "Audit log tools. `yiwang audit verify` seals the events waiting to join the hash "
        "chain, checks the chain, holds it against the signed checkpoints and prints the "
        "seal lag; `yiwang audit checkpoint` signs one now; "
        "`yiwang audit rotate-key` makes a new checkpoint signing key."
    )

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=["verify", "checkpoint", "rotate-key"])
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify: check the chain as it is, without sealing the waiting events first "
            "(writes nothing to the database).",
        )

    def handle(self, *args, operation, no_seal=False, **options):
        if operation == "checkpoint":
            return self._checkpoint()
        if operation == "rotate-key":
            return self._rotate()
        return self._verify(seal=not no_seal)

    def _checkpoint(self):
        services.seal()  # what was committed until now is in the chain, then signed
        checkpoint = services.sign_checkpoint()
        if checkpoint is None:
            self.stdout.write("Nothing to sign: the audit log is empty.")
            return
        self.stdout.write(
            f"Checkpoint signed at event #{checkpoint.seq} (hash {checkpoint.hash[:16]}…, "
            f"key {checkpoint.kid}), written to {checkpoints.checkpoint_file()}."
        )

    def _rotate(self):
        key = services.rotate_checkpoint_key("yiwang audit rotate-key")
        self.stdout.write(
            f"New checkpoint signing key {key.kid} ({key.algorithm}). Its public key was "
            f"added to {checkpoints.keyring().public_file}; older keys keep verifying what "
            "they signed."
        )

    def _verify(self, *, seal: bool):
        result = services.verify(seal=seal)
        report = result.report
        self._lag(result)
        if result.problem:
            what = {"altered": "altered", "missing": "missing"}[result.problem]
            raise CommandError(
                f"Audit chain broken: event #{result.seq} is {what} "
                f"({result.checked} events before it are intact)." + self._broken_chain_note(report)
            )
        if report.ok:
            self.stdout.write(f"OK: {result.checked} audit events, chain intact.")
            self._summary(report)
            return
        self._summary(report)
        raise CommandError(
            "\n".join(
                [
                    f"The chain's {result.checked} audit events link up, but the signed "
                    "checkpoints do not agree:",
                    *self._problems(report),
                ]
            )
        )

    def _lag(self, result: services.VerifyResult):
        lag = result.lag
        if not lag.unsealed:
            self.stdout.write("Seal lag: none, every committed event was in the chain.")
            return
        waited = f"the oldest recorded {_age(lag.oldest, timezone.now())} ago"
        if result.sealed is None:
            self.stdout.write(
                f"Seal lag: {lag.unsealed} events unsealed, {waited}; not checked (--no-seal)."
            )
        else:
            self.stdout.write(
                f"Seal lag: {lag.unsealed} events were unsealed, {waited}; "
                f"sealed {result.sealed.count} now."
            )

    def _summary(self, report: checkpoints.Report):
        if not report.checked:
            self.stdout.write(
                f"WARNING: no signed checkpoints in {report.path}: a rewrite of the chain "
                "would go unnoticed. `yiwang audit checkpoint` signs one; the worker signs "
                "one whenever the chain grew."
            )
            return
        self.stdout.write(
            f"Checkpoints: {report.checked} checked in {report.path}: "
            f"{len(report.matched)} match the chain, {len(report.mismatches)} do not, "
            f"{len(report.rejected)} are not genuine."
        )
        newest = report.newest
        if newest is not None:
            signed = newest.at.isoformat(timespec="seconds")
            self.stdout.write(
                f"Newest checkpoint: event #{newest.seq}, signed {signed} "
                f"({_age(newest.at, timezone.now())} ago) with key {newest.kid}; "
                f"{max(0, report.chain_end - newest.seq)} events since."
            )

    def _problems(self, report: checkpoints.Report) -> list[str]:
        lines = []
        for rejected in report.rejected:
            lines.append(
                f"Checkpoint line {rejected.line} is not genuine: {REASONS[rejected.reason]}."
            )
        if report.mismatches:
            first = report.mismatches[0]
            cp = first.checkpoint
            now = (
                f"the chain now has {first.found}"
                if first.found
                else f"the chain now ends at event #{report.chain_end}"
            )
            signed = cp.at.isoformat(timespec="seconds")
            lines.append(
                f"Audit chain rewritten: the checkpoint at event #{cp.seq} (line {cp.line}, "
                f"signed {signed} with key {cp.kid}) holds hash {cp.hash}, {now}."
            )
            last_good = report.last_good
            lines.append(
                (
                    f"The last good checkpoint is at event #{last_good.seq} "
                    f"(line {last_good.line}); "
                    if last_good
                    else "No earlier checkpoint matches; "
                )
                + f"the rewrite could have started at event #{report.suspect_from}."
            )
            if len(report.mismatches) > 1:
                lines.append(f"{len(report.mismatches) - 1} later checkpoints do not match either.")
        return lines

    def _broken_chain_note(self, report: checkpoints.Report) -> str:
        problems = [
            f" Checkpoint line {r.line} is not genuine: {REASONS[r.reason]}."
            for r in report.rejected
        ]
        problems += [
            f" The checkpoint at event #{m.checkpoint.seq} does not match either."
            for m in report.mismatches
        ]
        return "".join(problems)
