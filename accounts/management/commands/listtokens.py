from accounts.management.commands._options import TokenCommand, get_user, when
from accounts.models import Token

COLUMNS = (
    "ID",
    "USER",
    "NAME",
    "PREFIX",
    "KIND",
    "SCOPES",
    "CREATED",
    "LAST USED",
    "LAST IP",
    "EXPIRES",
    "STATE",
)


class Command(TokenCommand):
    help = "List live tokens (--all: every token) as a table; never a digest or a raw token."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this user's tokens")
        parser.add_argument("--all", action="store_true", help="include revoked and expired tokens")

    def handle(self, *args, user, all, **options):
        queryset = Token.objects.select_related("user")
        if user is not None:
            queryset = queryset.filter(user=get_user(user))
        if not all:
            queryset = queryset.live()
        rows = [
            (
                str(token.pk),
                token.user.email,
                token.name,
                token.prefix,
                token.kind,
                ",".join(token.scopes or ()),
                when(token.created_at),
                when(token.last_used_at),
                token.last_used_ip or "-",
                when(token.expires_at),
                token.state,
            )
            for token in queryset
        ]
        if not rows:
            self.stdout.write("No tokens.")
            return
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
