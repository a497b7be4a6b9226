"""Revoke tokens reported as leaked: one query for a batch, one email per token revoked."""

from collections.abc import Iterable

from django.utils import timezone

from accounts.http import after_response
from accounts.mail import notices
from accounts.models import Token
from accounts.security_log import event
from accounts.signals import token_revoked
from accounts.tokens import keys as tokens

# A URL longer than the column is cut: it only tells the owner where to look.
_URL_LENGTH = Token._meta.get_field("leak_url").max_length


def _digests(raw_tokens: Iterable[str]) -> list[str]:
    # The checksum drops typos and made-up strings before the database is asked.
    return sorted({tokens.digest(raw) for raw in set(raw_tokens) if tokens.is_well_formed(raw)})


def find(raw_tokens: Iterable[str]) -> dict[str, Token]:
    """Our tokens among `raw_tokens`, by raw token; malformed ones cost no query."""
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
    notices.token_leaked(token, where)
    return True


def revoke_reported(raw_tokens: Iterable[str], where: str, request=None) -> None:
    """Revoke whichever of `raw_tokens` are live tokens of ours, telling nobody which.

    The request makes the same one conditional UPDATE for any well-formed token, ours or
    not, live or not; finding what it revoked, the signals, the emails and the log run
    after the response (accounts/http/after_response.py), so timing tells nothing.
    """
    digests = _digests(raw_tokens)
    if not digests:
        after_response.defer(lambda: event("token.leak_reported", request, **_counts(0, 0)))
        return
    now = timezone.now()
    Token.objects.filter(digest__in=digests, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=Token.RevokeReason.LEAKED, leak_url=""
    )
    after_response.defer(lambda: _announce(digests, now, where, request))


def _counts(found: int, revoked: int) -> dict:
    return {"source": "revoke", "found": found, "revoked": revoked}


def _announce(digests: list[str], now, where: str, request) -> None:
    found = list(Token.objects.select_related("user").filter(digest__in=digests))
    # Ours are those this UPDATE stamped: a concurrent report of the same token stamped
    # another time (or found it revoked), so each owner gets one email.
    revoked = [
        token
        for token in found
        if token.revoked_at == now and token.revoked_reason == Token.RevokeReason.LEAKED
    ]
    for token in revoked:
        token_revoked.send(sender=Token, token=token, reason=Token.RevokeReason.LEAKED)
        notices.token_leaked(token, where)
    event("token.leak_reported", request, **_counts(len(found), len(revoked)))
