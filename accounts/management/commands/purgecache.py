from django.core.cache import caches
from django.utils.translation import ngettext

from accounts.management.commands._options import TokenCommand, whole_number
from accounts.ratelimit.cache import DatabaseCache


class Command(TokenCommand):
    help = (
        "Delete expired rows from the database cache table (login-failure and rate-limit "
        "counters), in small batches; safe to run from cron while the API serves requests. "
        "Live counters are never touched. With REDIS_URL there is nothing to do: Redis "
        "expires keys itself."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=whole_number(1, 100_000),
            default=1000,
            help="rows deleted per statement (default 1000)",
        )

    def handle(self, *args, batch_size, **options):
        database_caches = [
            caches[alias] for alias in caches if isinstance(caches[alias], DatabaseCache)
        ]
        if not database_caches:
            self.stdout.write("No database cache is configured; nothing to delete.")
            return
        count = sum(cache.delete_expired(batch_size) for cache in database_caches)
        self.stdout.write(
            ngettext("Deleted %d expired cache row.", "Deleted %d expired cache rows.", count)
            % count
        )
