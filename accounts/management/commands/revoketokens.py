from django.core.management.base import CommandError
from django.utils.translation import ngettext

from accounts.management.commands._options import TokenCommand, get_user
from accounts.models import Token
from accounts.tokens import keys as tokens


class Command(TokenCommand):
    help = "Revoke tokens by user, by display prefix, or every expired one; print how many."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--user", metavar="EMAIL", help="every token of this user")
        which.add_argument("--prefix", help="the token with this display prefix, e.g. ast_AbCd1234")
        which.add_argument(
            "--all-expired",
            action="store_true",
            help="every expired token not revoked yet (records when it was cleaned up)",
        )
        parser.add_argument(
            "--reason",
            choices=Token.RevokeReason.values,
            default=Token.RevokeReason.COMMAND,
            help="recorded on each token (default: command)",
        )

    def handle(self, *args, user, prefix, all_expired, reason, **options):
        if user is not None:
            # Announced like a logout-all: the user's pending logins end too.
            count = get_user(user).revoke_all_tokens(reason)
            self.stdout.write(ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count)
            return
        if prefix is not None:
            # A whole display prefix only, so that "ast_" cannot revoke every token at once.
            if len(prefix) != tokens.DISPLAY_PREFIX_LENGTH or not prefix.startswith(tokens.PREFIX):
                raise CommandError(
                    f"--prefix must be a token's {tokens.DISPLAY_PREFIX_LENGTH}-character display "
                    f"prefix, such as {tokens.PREFIX}AbCd1234."
                )
            queryset = Token.objects.filter(prefix=prefix)
        else:
            queryset = Token.objects.expired()
        count = queryset.revoke(reason)
        self.stdout.write(ngettext("Revoked %d token.", "Revoked %d tokens.", count) % count)
