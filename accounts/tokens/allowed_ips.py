"""Personal tokens restricted to client addresses: validation and the per-request check."""

import functools
import ipaddress

from django.utils.translation import gettext as _

# A list to read at a glance; ranges cover the rest.
MAX_ENTRIES = 50

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Client addresses in this range are compared as the IPv4 address they carry (see permits).
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


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
        _refuse_unmatchable(network, entry[:64])
        if str(network) not in result:
            result.append(str(network))
    return result


def _refuse_unmatchable(network: Network, entry: str) -> None:
    """ValueError with a sentence for an entry no client address can ever fall in."""
    if not isinstance(network, ipaddress.IPv6Network):
        return
    zone = network.network_address.scope_id
    if zone is not None:
        # A client address never carries an interface zone, so "fe80::1%eth0" matches nothing.
        raise ValueError(
            _(
                "%(entry)r names a network interface (%%%(zone)s); client addresses carry "
                "none, so it would never match: leave out the %%%(zone)s part."
            )
            % {"entry": entry, "zone": zone}
        )
    mapped = network.network_address.ipv4_mapped
    if mapped is not None and network.subnet_of(_IPV4_MAPPED):
        # permits() turns a mapped client address into IPv4 before comparing, so a mapped
        # range matches nothing; the IPv4 range it stands for does what was meant.
        ipv4 = ipaddress.ip_network((mapped, network.prefixlen - _IPV4_MAPPED.prefixlen))
        raise ValueError(
            _(
                "%(entry)r is an IPv4-mapped address or range; client addresses are compared "
                "as IPv4, so it would never match: enter %(ipv4)s instead."
            )
            % {"entry": entry, "ipv4": ipv4}
        )


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
