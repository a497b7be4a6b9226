"""Re-encrypt every TOTP secret under the first key of ACCOUNTS_MFA_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import crypto
from accounts.mfa.models import Authenticator


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret under the first key of ACCOUNTS_MFA_ENCRYPTION_KEYS, "
        "so older keys can then be removed."
    )

    def handle(self, *args, **options):
        rotated = 0
        failed = []
        for authenticator in Authenticator.objects.only("pk", "encrypted_secret").iterator():
            try:
                ciphertext = crypto.rotate(authenticator.encrypted_secret)
            except crypto.InvalidToken:
                failed.append(authenticator.pk)
                continue
            # Only this row, and only if nobody changed it meanwhile.
            rotated += Authenticator.objects.filter(
                pk=authenticator.pk, encrypted_secret=authenticator.encrypted_secret
            ).update(encrypted_secret=ciphertext)
        self.stdout.write(f"Re-encrypted {rotated} TOTP secrets.")
        if failed:
            raise CommandError(
                f"{len(failed)} TOTP secrets (authenticator ids {failed[:20]}) match no key of "
                "ACCOUNTS_MFA_ENCRYPTION_KEYS; add the old key back and run this again."
            )
