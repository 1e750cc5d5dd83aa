"""Whether a request came through the site's CloudFront distribution, and the viewer's address.

On a deployed stage CloudFront adds a secret header (X-Origin-Verify, from the stack's
OriginSecret parameter) to every request it sends to API Gateway; the function gets the
same secret as BLOG_ORIGIN_SECRET. Under `make run` there is no distribution and no secret.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

ORIGIN_HEADER = "X-Origin-Verify"
VIEWER_ADDRESS_HEADER = "CloudFront-Viewer-Address"


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), "")
    return value or ""


def from_edge(headers: Mapping[str, str], secret: str) -> bool:
    """True when the request carries the distribution's secret, or when there is no distribution."""
    if not secret:
        return True
    presented = _header(headers, ORIGIN_HEADER)
    return hmac.compare_digest(presented.encode(), secret.encode())


def viewer_address(headers: Mapping[str, str], source_ip: str, secret: str) -> str:
    """The viewer's IP as CloudFront saw it, when the request provably came through it.

    CloudFront sends `ip:port` (`192.0.2.1:443`, `2001:db8::1:443`). Without a secret, or
    without its proof, the header could be anyone's: the connection's address is used.
    """
    if not secret or not from_edge(headers, secret):
        return source_ip
    host, sep, port = _header(headers, VIEWER_ADDRESS_HEADER).strip().rpartition(":")
    if not sep or not port.isdigit():
        return source_ip
    host = host.removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return source_ip
