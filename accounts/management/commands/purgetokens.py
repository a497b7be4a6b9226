from datetime import timedelta

from django.utils.translation import ngettext

from accounts.management.commands._options import TokenCommand, whole_number
from accounts.models import Token


class Command(TokenCommand):
    help = (
        "Delete revoked and expired tokens that ended more than N days ago, in small batches; "
        "safe to run from cron while the API serves requests. Live tokens are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=whole_number(0, 36500),
            default=30,
            metavar="N",
            help="keep rows that ended in the last N days as an audit trail (default 30)",
        )
        parser.add_argument(
            "--batch-size",
            type=whole_number(1, 100_000),
            default=1000,
            help="rows deleted per transaction (default 1000)",
        )

    def handle(self, *args, older_than_days, batch_size, **options):
        count = Token.objects.purge(timedelta(days=older_than_days), batch_size=batch_size)
        self.stdout.write(ngettext("Deleted %d token.", "Deleted %d tokens.", count) % count)
