"""scripts/ports.py: ports for test servers that parallel test processes can never both take."""

from __future__ import annotations

import socket

import pytest

from scripts import ports


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "_handed_out", set())


@pytest.mark.parametrize("block", range(ports.BLOCKS))
def test_each_block_is_its_own_and_below_the_kernels_range_for_outgoing_connections(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setenv("INISSIAQ_PORT_BLOCK", str(block))
    port = ports.free_port()
    first = ports.FIRST_PORT + block * ports.BLOCK_SIZE
    assert first <= port < first + ports.BLOCK_SIZE
    low, _ = (int(n) for n in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    assert port < low


def test_one_process_never_hands_out_a_port_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INISSIAQ_PORT_BLOCK", "5")
    monkeypatch.setattr(ports.random, "randrange", lambda n: 0)  # every call starts at the same place
    handed = [ports.free_port() for _ in range(20)]
    assert len(set(handed)) == 20


def test_a_port_something_listens_on_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INISSIAQ_PORT_BLOCK", "5")
    monkeypatch.setattr(ports.random, "randrange", lambda n: 0)
    first = ports.port_block().start
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first))
        taken.listen()
        assert ports.free_port() != first


@pytest.mark.parametrize("block", ["12", "-1", "x"])
def test_a_block_outside_the_range_is_refused(monkeypatch: pytest.MonkeyPatch, block: str) -> None:
    monkeypatch.setenv("INISSIAQ_PORT_BLOCK", block)
    with pytest.raises(ValueError):
        ports.free_port()
