from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.conf import app_settings
from accounts.mail import notices
from accounts.models import Token


class Command(BaseCommand):
    help = (
        "Email the owner of each live personal access token that expires within "
        "ACCOUNTS_TOKEN_EXPIRY_WARNING_DAYS (default 7), once per token. Meant for cron."
    )

    def handle(self, *args, **options):
        if not app_settings.SECURITY_EMAILS:
            self.stderr.write("ACCOUNTS_SECURITY_EMAILS is off: no email sent.")
            return
        now = timezone.now()
        soon = now + timedelta(days=app_settings.TOKEN_EXPIRY_WARNING_DAYS)
        due = (
            Token.objects.live(now)
            .filter(kind=Token.Kind.PERSONAL, expires_at__lte=soon, expiry_warning_sent_at=None)
            .select_related("user")
            .filter(user__is_active=True)
        )
        sent = 0
        for token in due.iterator():
            # Claimed by a conditional UPDATE first, so two overlapping runs send one email.
            claimed = Token.objects.filter(pk=token.pk, expiry_warning_sent_at=None).update(
                expiry_warning_sent_at=now
            )
            if claimed:
                notices.token_expiring(token)
                sent += 1
        self.stdout.write(f"Warned about {sent} expiring token{'' if sent == 1 else 's'}.")
