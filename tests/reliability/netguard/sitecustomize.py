"""Loaded by every hftui child the reliability tests start (PYTHONPATH=tests/reliability/netguard).

Keeps the child on loopback whatever it is asked to do, and plays the part of a DNS resolver:
- `*.invalid` names (RFC 6761: they never resolve) fail the way glibc fails them, without a query
  leaving the machine; HFTUI_TEST_DNS_DELAY=<seconds> makes that lookup hang first (a resolver
  that does not answer, which getaddrinfo waits out in a thread nobody can cancel);
- any other name but localhost is refused, and so is a connection to any non-loopback address.
"""

import os
import socket
import time

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _name(host):
    return host.decode() if isinstance(host, bytes) else str(host)


def getaddrinfo(host, *args, **kwargs):
    name = _name(host).lower().rstrip(".")
    if name.endswith(".invalid"):
        time.sleep(float(os.environ.get("HFTUI_TEST_DNS_DELAY") or 0))
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    if name not in LOOPBACK_NAMES and not name.startswith("127."):
        raise socket.gaierror(socket.EAI_AGAIN, f"blocked by the test network guard: {name}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _check(address):
    if isinstance(address, tuple):
        host = _name(address[0])
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise OSError(101, f"blocked by the test network guard: {host}")  # ENETUNREACH


def connect(self, address):
    _check(address)
    return _real_connect(self, address)


def connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def install():
    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


if __name__ == "sitecustomize":  # in a child; the tests' own process installs it through monkeypatch
    install()
