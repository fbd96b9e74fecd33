"""What the front desk checks before a request reaches a page: that it was addressed to this
server (`Host`, against DNS rebinding), that a POST came from the front desk's own page
(`Origin`, `Sec-Fetch-Site`; the per-session CSRF token is Flask-WTF's), and the passcode rules."""

import ipaddress
import os
import socket
import stat
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers

from handouts.errors import HandoutsError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})
MIN_PASSCODE_LENGTH = 8
MAX_PASSCODE_LENGTH = 1024
MAX_PASSCODE_BYTES = 4 * MAX_PASSCODE_LENGTH  # UTF-8
PASSCODE_ENVIRONMENT = "HANDOUTS_PASSCODE"
OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO  # as ssh with a key: any bit for the group or others is refused
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})  # "none": typed in the address bar, a bookmark


class PasscodeError(HandoutsError):
    """A passcode that cannot protect the page: too short, unreadable, or given on the command line."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


class HostCheck:
    """The names a browser may use for this server. A rebound DNS name is not among them; an IP
    address cannot be rebound, so a server on every interface accepts any address literal. Behind a
    proxy, the browser uses this computer's name (the proxy's site name)."""

    def __init__(self, bound_host: str, behind_proxy: bool = False):
        bound = bound_host.strip("[]").lower()
        self.any_address = bound in WILDCARD_ADDRESSES
        self.names = {bound} - WILDCARD_ADDRESSES
        if is_loopback(bound):
            self.names |= LOOPBACK_NAMES
        if self.any_address or behind_proxy or not is_loopback(bound):  # reached from other computers: by name too
            self.names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        if self.any_address:
            self.names |= LOOPBACK_NAMES

    def accepts(self, host_header: str) -> bool:
        name = hostname(host_header)
        if name is None:
            return False
        return name in self.names or (self.any_address and is_ip_address(name))


def hostname(host_header: str) -> str | None:
    """`example:8000` -> `example`, `[::1]:8000` -> `::1`; None for what no browser sends."""
    try:
        name = urlsplit(f"//{host_header}").hostname
    except ValueError:
        return None
    return name.rstrip(".") if name else None


def cross_site_reason(method: str, headers: Headers, own_origin: str) -> str | None:
    """Why a state-changing request did not come from this site's own page, or None if it did.
    Browsers send `Sec-Fetch-Site` and `Origin`; a client that sends neither still needs the
    CSRF token."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return None
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in SAME_SITE_FETCHES:
        return f"sent from another site ({fetch_site})"
    origin = headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() != own_origin.lower():
        return "sent from another site"
    return None


def read_passcode(environment_value: str | None, passcode_file: Path | None) -> str | None:
    """The passcode from `--passcode-file` (its first line) or the environment; None if neither."""
    passcode = (environment_value or None) if passcode_file is None else passcode_from_file(passcode_file)
    if passcode is not None and len(passcode) < MIN_PASSCODE_LENGTH:
        raise PasscodeError(f"the passcode is too short: use at least {MIN_PASSCODE_LENGTH} characters")
    if passcode is not None and len(passcode) > MAX_PASSCODE_LENGTH:
        raise PasscodeError(f"the passcode is too long: use at most {MAX_PASSCODE_LENGTH} characters")
    return passcode


def passcode_from_file(passcode_file: Path) -> str:
    """The first line of a regular file only its owner may read, without a byte order mark and the
    spaces and line end an editor leaves around it. Opened without waiting, so a FIFO cannot hang it."""
    try:
        descriptor = os.open(passcode_file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            if not stat.S_ISREG(mode):  # a FIFO, a device (/dev/zero), a socket: no file to keep a secret in
                raise PasscodeError(f"{passcode_file}: not a regular file: put the passcode in a file of its own")
            if mode & OPEN_TO_OTHERS:
                raise PasscodeError(
                    f"{passcode_file}: permissions {stat.S_IMODE(mode):04o} let other users in, "
                    f"its owner only may read it: chmod 600 {passcode_file}"
                )
            first_line = file.readline(MAX_PASSCODE_BYTES + 1)
        if len(first_line.rstrip(b"\r\n")) > MAX_PASSCODE_BYTES:
            raise PasscodeError(f"{passcode_file}: the first line is too long for a passcode")
        passcode = first_line.decode("utf-8-sig").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise PasscodeError(
            f"{passcode_file}: cannot read the passcode file ({getattr(error, 'strerror', None) or error})"
        ) from None
    if not passcode:
        raise PasscodeError(f"{passcode_file}: the first line should hold the passcode")
    return passcode
