"""Put back the issued statement PDFs that `verify_data` finds lost from the storage or changed there, by rendering each
again to the bytes it was issued with (its SHA-256), with progress; exit status 1 for any left unrestored."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from settlement.data_checks import pdfs_lost_or_changed
from settlement.models import StatementVersion
from settlement.services.statement_pdfs import Restored, restore_pdf

SAID = {
    Restored.INTACT: "intact",
    Restored.RESTORED: "restored",
    Restored.CHANGED: "changed in the storage: left as it is (--replace-changed puts the issued bytes back, keeping it beside as .changed)",
    Restored.DIFFERS: "renders to other bytes than were issued (supplier, font or layout changed since): not restored, "
                      "restore the file from a backup",
    Restored.UNPROVABLE: "stored with no SHA-256, so no render can be proved to be the one issued: not restored, restore the "
                         "file from a backup",
}


class Command(BaseCommand):
    help = ("Render again the issued statement PDFs missing from the storage (or, with --replace-changed, changed there) "
            "and store each whose SHA-256 is the one issued; exit status 1 when any is left unrestored.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--replace-changed", action="store_true",
                            help="also replace a stored PDF whose bytes changed, keeping the changed file beside it as <name>.changed")

    def handle(self, *args, replace_changed: bool = False, **options) -> None:
        pks = list(pdfs_lost_or_changed(now=timezone.now()))
        versions = StatementVersion.objects.filter(pk__in=pks).select_related("statement__supplier").order_by("pk")
        outcomes = []
        for number, version in enumerate(versions, start=1):
            outcome = restore_pdf(version, replace_changed=replace_changed)
            outcomes.append(outcome)
            self.stdout.write(f"[{number}/{len(pks)}] version {version.pk} ({version.pdf.name}): {SAID[outcome]}")
        left = sum(outcome not in (Restored.RESTORED, Restored.INTACT) for outcome in outcomes)
        summary = f"{len(pks)} issued PDF(s) lost or changed: {outcomes.count(Restored.RESTORED)} restored, {left} left"
        self.stdout.write(self.style.ERROR(summary) if left else self.style.SUCCESS(summary))
        if left:
            raise CommandError(f"{left} statement PDF(s) not restored", returncode=1)
