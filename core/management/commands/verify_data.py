"""Check that the data is sound: after a restore, an incident or a bad deploy, or from cron (exit status 1 on a failure)."""
import json

from django.core.management.base import CommandError
from django.utils import timezone

from core.data_checks import Finding, data_checks, run_check
from core.management.deployment import DeploymentCommand


class Command(DeploymentCommand):
    help = ("Check the invariants the database constraints do not hold (balances, lots, stock, statements, stored PDFs) and "
            "report work waiting (SMS overdue, job failures); exit status 1 when a check fails, warnings do not.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON document on stdout instead of lines")

    def handle(self, *args, as_json: bool = False, **options) -> None:
        now = timezone.now()
        findings = [run_check(check, now=now) for check in data_checks()]
        failed = sum(finding.status == "failed" for finding in findings)
        warnings = sum(finding.status == "warning" for finding in findings)
        if as_json:
            self._write_json(findings, failed=failed, warnings=warnings, now=now)
        else:
            for finding in findings:
                self.stdout.write(self._line(finding))
            summary = f"{len(findings)} checks: {len(findings) - failed - warnings} ok, {failed} failed, {warnings} warnings"
            self.stdout.write(self.style.ERROR(summary) if failed else self.style.WARNING(summary) if warnings else self.style.SUCCESS(summary))
        if failed:
            raise CommandError(f"{failed} data check(s) failed", returncode=1)

    def _line(self, finding: Finding) -> str:
        status = {"ok": self.style.SUCCESS("ok     "), "failed": self.style.ERROR("FAILED "), "warning": self.style.WARNING("warning")}
        line = f"{status[finding.status]} {finding.check.name}: {finding.check.rule}"
        if finding.count:
            more = ", …" if finding.count > len(finding.ids) else ""
            line += f" — {finding.count} row(s), ids {', '.join(map(str, finding.ids))}{more}"
        return line

    def _write_json(self, findings: list[Finding], *, failed: int, warnings: int, now) -> None:
        document = {
            "checked_at": now.isoformat(),
            "failed": failed,
            "warnings": warnings,
            "checks": [
                {"name": f.check.name, "rule": f.check.rule, "status": f.status, "count": f.count, "ids": f.ids} for f in findings
            ],
        }
        self.stdout.write(json.dumps(document, ensure_ascii=False))
