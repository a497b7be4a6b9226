"""Delete pending logins that have expired (used or not); safe to run from cron."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from accounts.mfa.models import Challenge


class Command(BaseCommand):
    help = "Delete expired pending multi-factor logins; live ones are never touched."

    def handle(self, *args, **options):
        count = Challenge.objects.purge()
        self.stdout.write(
            ngettext("Deleted %d pending login.", "Deleted %d pending logins.", count) % count
        )
