"""Personal tokens restricted to client addresses: validation and the per-request check."""

import functools
import ipaddress

from django.utils.translation import gettext as _

# A list to read at a glance; ranges cover the rest.
MAX_ENTRIES = 50

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def normalise(entries: object) -> list[str]:
    """Return the entries as canonical networks; ValueError with a sentence if one is bad."""
    if not isinstance(entries, list | tuple):
        raise ValueError(_("Enter a list of IP addresses or CIDR ranges."))
    if len(entries) > MAX_ENTRIES:
        raise ValueError(_("Enter at most %(max)d addresses or ranges.") % {"max": MAX_ENTRIES})
    result: list[str] = []
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            raise ValueError(_("Enter a list of IP addresses or CIDR ranges."))
        try:
            # strict: "10.0.0.1/8" is probably a typo, not a range.
            network = ipaddress.ip_network(entry.strip(), strict=True)
        except ValueError:
            raise ValueError(
                _("%(entry)r is not an IP address or a CIDR range (host bits must be zero).")
                % {"entry": entry[:64]}
            ) from None
        if str(network) not in result:
            result.append(str(network))
    return result


@functools.lru_cache(maxsize=4096)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    # Parsed once per distinct list, not per request: the hot path only compares.
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def permits(entries: list[str], ip: str) -> bool:
    """Whether `ip` lies in one of `entries` (an empty list allows every address)."""
    if not entries:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(entries)))
