"""Delete pending logins and passkey ceremonies that have expired (used or not); cron-safe."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from accounts.mfa.models import Challenge, PasskeyCeremony


class Command(BaseCommand):
    help = (
        "Delete expired pending multi-factor logins and passkey ceremonies; live ones are "
        "never touched."
    )

    def handle(self, *args, **options):
        count = Challenge.objects.purge()
        self.stdout.write(
            ngettext("Deleted %d pending login.", "Deleted %d pending logins.", count) % count
        )
        count = PasskeyCeremony.objects.purge()
        self.stdout.write(
            ngettext("Deleted %d passkey ceremony.", "Deleted %d passkey ceremonies.", count)
            % count
        )
