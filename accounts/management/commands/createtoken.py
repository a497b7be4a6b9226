from datetime import timedelta

from django.core.management.base import CommandError

from accounts.exceptions import TokenLimitReached
from accounts.management.commands._options import TokenCommand, get_user, when, whole_number
from accounts.models import Token
from accounts.tokens import allowed_ips as allowed_ips_module
from accounts.tokens import lifetimes
from accounts.tokens.scopes import admin_scopes, user_scopes


class Command(TokenCommand):
    help = (
        "Create a personal access token for a user. The raw token is printed once, alone on "
        "standard output; details go to standard error."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="the user's email address")
        parser.add_argument("--name", default="createtoken", help="a label for the token")
        parser.add_argument(
            "--expires-in-days",
            type=whole_number(1),
            help="days until it expires (default ACCOUNTS_TOKEN_TTL, max ACCOUNTS_TOKEN_MAX_TTL)",
        )
        parser.add_argument(
            "--idle-timeout-days",
            type=whole_number(1),
            help="stop working after this many days without use (default: never)",
        )
        parser.add_argument(
            "--allow-ip",
            action="append",
            dest="allowed_ips",
            metavar="ADDRESS",
            help="an IP address or CIDR range the token may be used from; repeat for several",
        )
        parser.add_argument(
            "--scope",
            action="append",
            choices=admin_scopes(),
            dest="scopes",
            help=(
                "repeat for several; default: every scope of ACCOUNTS_TOKEN_SCOPES (read and "
                "write); introspect lets the token ask POST /api/auth/introspect/ about others"
            ),
        )

    def handle(
        self,
        *args,
        email,
        name,
        expires_in_days,
        idle_timeout_days,
        scopes,
        allowed_ips: list[str] | None,
        **options,
    ):
        user = get_user(email)
        if not user.is_active:
            raise CommandError(f"The user {user.email!r} is inactive.")
        if len(name) > 100:
            raise CommandError("--name must be at most 100 characters.")
        try:
            if expires_in_days is None:
                ttl = lifetimes.default_personal_ttl()
            else:
                ttl = lifetimes.personal_ttl(expires_in_days)
        except ValueError as error:
            raise CommandError(f"--expires-in-days: {error}") from None
        if idle_timeout_days is not None and idle_timeout_days > lifetimes.ABSOLUTE_MAX_DAYS:
            raise CommandError(
                f"--idle-timeout-days must be at most {lifetimes.ABSOLUTE_MAX_DAYS}."
            )
        idle_timeout = None if idle_timeout_days is None else timedelta(days=idle_timeout_days)
        try:
            networks = allowed_ips_module.normalise(allowed_ips or [])
        except ValueError as error:
            raise CommandError(f"--allow-ip: {error}") from None
        chosen = [scope for scope in admin_scopes() if scope in (scopes or user_scopes())]
        try:
            token, raw = Token.objects.issue(
                user,
                name=name,
                ttl=ttl,
                scopes=chosen,
                kind=Token.Kind.PERSONAL,
                idle_timeout=idle_timeout,
                allowed_ips=networks,
            )
        except TokenLimitReached as error:
            raise CommandError(str(error)) from None
        self.stdout.write(raw)
        self.stderr.write(
            f"Created token {token.prefix} ({token.name}) for {user.email}: "
            f"scopes {', '.join(chosen)}, expires {when(token.expires_at)}"
            f"{', from ' + ' '.join(networks) if networks else ''}. "
            "It is not shown again."
        )
