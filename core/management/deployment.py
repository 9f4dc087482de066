"""Commands a deployment runs for good or from cron (the outbox relay, the data checks), which `manage.py` would run on
the development settings when DJANGO_SETTINGS_MODULE is missing from their environment: a new db.sqlite3 in the
checkout, and a relay tracebacking once a second on its missing tables."""
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class DeploymentCommand(BaseCommand):
    """Refuses to run on settings with DEBUG on (the development settings) unless given --allow-dev-settings."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--allow-dev-settings", action="store_true",
                            help="run on development settings (DEBUG on), e.g. against a development checkout's database")
        return parser

    #: the exit status of the refusal: not 1, which `verify_data` gives when a check failed (a monitor reading it would
    #: report broken data, where the command never looked)
    REFUSED = 2

    def execute(self, *args, **options):
        if settings.DEBUG and not options.get("allow_dev_settings"):
            message = (f"this runs on development settings ({settings.SETTINGS_MODULE}, DEBUG on): load the deployment's "
                       "environment file (DJANGO_SETTINGS_MODULE=config.settings.production), or pass --allow-dev-settings "
                       "to run it on a development checkout")
            if options.get("as_json"):  # a reader of --json reads why from stdout, as one JSON document
                (options.get("stdout") or self.stdout).write(json.dumps({"error": message}, ensure_ascii=False))
            raise CommandError(message, returncode=self.REFUSED)
        return super().execute(*args, **options)
