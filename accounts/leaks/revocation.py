"""Revoke tokens reported as leaked: one query for a batch, one email per token revoked."""

from collections.abc import Iterable

from accounts import tokens
from accounts.leaks import notify
from accounts.models import Token

# A URL longer than the column is cut: it only tells the owner where to look.
_URL_LENGTH = Token._meta.get_field("leak_url").max_length


def find(raw_tokens: Iterable[str]) -> dict[str, Token]:
    """Our tokens among `raw_tokens`, by raw token; malformed ones cost no query."""
    # The checksum drops typos and made-up strings before the database is asked.
    by_digest = {tokens.digest(raw): raw for raw in set(raw_tokens) if tokens.is_well_formed(raw)}
    if not by_digest:
        return {}
    found = Token.objects.select_related("user").filter(digest__in=list(by_digest))
    return {by_digest[token.digest]: token for token in found}


def revoke_leaked(token: Token, where: str, url: str = "") -> bool:
    """Revoke `token` as leaked and tell its owner; False if it was revoked already.

    Revoked already (a repeated report) means no second email: the conditional
    UPDATE in Token.revoke decides, so two concurrent reports send one.
    """
    if not token.revoke(Token.RevokeReason.LEAKED, leak_url=url[:_URL_LENGTH]):
        return False
    notify.token_leaked(token, where)
    return True
