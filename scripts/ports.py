"""Free loopback ports for servers that a script or a test starts a moment later.

A port found free by binding to port 0 comes from the kernel's range for the local ports of outgoing
connections (32768-60999 on Linux), so any outgoing connection, or another process asking the same
way, can take it before the server binds it; with several test processes side by side (`make test`)
that happened. The ports handed out here come from below that range, each process takes them from
a block of its own when `INISSIAQ_PORT_BLOCK` names one (0-11; `make test` gives each parallel job its
own, the others are free for runs by hand), and a port is never handed out twice by one process.
"""

from __future__ import annotations

import os
import random
import socket
import threading

FIRST_PORT = 20000
BLOCK_SIZE = 1000
BLOCKS = 12  # 20000-31999: below the kernel's range for outgoing connections

_handed_out: set[int] = set()
_lock = threading.Lock()


def port_block() -> range:
    """This process's block of ports (block 0 unless `INISSIAQ_PORT_BLOCK` names another)."""
    block = int(os.environ.get("INISSIAQ_PORT_BLOCK", "0"))
    if not 0 <= block < BLOCKS:
        raise ValueError(f"INISSIAQ_PORT_BLOCK must be 0 to {BLOCKS - 1}")
    start = FIRST_PORT + block * BLOCK_SIZE
    return range(start, start + BLOCK_SIZE)


def free_port() -> int:
    """A loopback port of this process's block that is free now and was not handed out before."""
    block = port_block()
    offset = random.randrange(len(block))
    with _lock:
        for index in range(len(block)):
            port = block[(offset + index) % len(block)]
            if port in _handed_out:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port left in {block.start}-{block.stop - 1}")
