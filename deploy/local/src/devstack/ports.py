"""Free loopback ports, so several stacks (or test sessions) can run side by side."""

from __future__ import annotations

import socket
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """`count` distinct ports that were free a moment ago.

    All sockets stay bound until every port is picked, so the ports are distinct. Another process
    could still take one before our child binds it; the child then fails to start and its log says
    so, which is rare enough on loopback not to be worth a retry loop.
    """
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def free_port(host: str = LOOPBACK) -> int:
    return free_ports(1, host)[0]
