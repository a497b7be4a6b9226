"""The auth event log: one JSON line per security event on the `accounts.security` logger.

Each line names the event, the client IP and who: a user id, or the SHA-256 of the
normalised email when there is no user. Tokens appear only by their display
prefix; raw tokens, passwords and emails never do.
"""

import hashlib
import json
import logging

from accounts.http.clientip import client_ip, current_ip
from accounts.models import UserManager

logger = logging.getLogger("accounts.security")


def _ip(request) -> str | None:
    if request is not None:
        return client_ip(request)
    return current_ip.get()


def event(name: str, request=None, **fields) -> None:
    """Log one security event as a JSON object."""
    record = {"event": name, "ip": _ip(request), **fields}
    logger.info(json.dumps(record, sort_keys=True, default=str), extra={"security": record})


def email_hash(email: object) -> str:
    """The SHA-256 of the normalised email: stable for correlation, and not the email."""
    normalised = UserManager.normalize_email(str(email or ""))
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
