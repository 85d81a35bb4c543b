"""deploy/haproxy.cfg itself, run by Debian's HAProxy in front of small stand-in servers (seconds).

- A conversation's turns go to one Rasa replica (hash of X-Conversation-Id), and the conversations
  spread over both; when a replica goes, its conversations move to the live one without a failed turn.
- The internal API is not reachable through the public frontend (404 from HAProxy, the backend never
  sees the request), and is through the internal one.
- A web instance whose /readyz fails gets no traffic while another is ready.
- A request whose web instance closes the connection without an answer (as a killed instance does) is
  sent to the other instance if sending it twice cannot do anything twice (a read, a chat message
  with its message id, a provider's webhook), and only then.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from scripts.cluster import HAPROXY_CONFIG, haproxy_binary
from scripts.stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.own_stack]


class StandIn:
    """An HTTP server answering every path with its own name; `ready` decides /readyz."""

    def __init__(self, name: str) -> None:
        self.name, self.ready, self.paths = name, True, []
        self.dies_in_requests = False  # close the connection without an answer, as a killed instance
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.paths.append(self.path)
                if stand_in.dies_in_requests and self.path != "/readyz":
                    self.close_connection = True
                    return
                status = 503 if self.path == "/readyz" and not stand_in.ready else 200
                body = stand_in.name.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                return None

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Balancer:
    def __init__(self, directory: Path) -> None:
        self.stand_ins = {
            name: StandIn(name) for name in ("web1", "web2", "rasa1", "rasa2", "actions1", "actions2")
        }
        self.ports = {name: free_port() for name in ("public", "internal", "rasa", "actions")}
        env = {
            "INISSIAQ_PUBLIC_BIND": f"127.0.0.1:{self.ports['public']}",
            "INISSIAQ_INTERNAL_BIND": f"127.0.0.1:{self.ports['internal']}",
            "INISSIAQ_RASA_BIND": f"127.0.0.1:{self.ports['rasa']}",
            "INISSIAQ_ACTIONS_BIND": f"127.0.0.1:{self.ports['actions']}",
            "INISSIAQ_HAPROXY_SOCKET": str(directory / "haproxy.sock"),
            **{f"INISSIAQ_{name.upper()}": f"127.0.0.1:{s.port}" for name, s in self.stand_ins.items()},
        }
        self.process = subprocess.Popen(
            [haproxy_binary(), "-db", "-f", str(HAPROXY_CONFIG)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def url(self, frontend: str) -> str:
        return f"http://127.0.0.1:{self.ports[frontend]}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        for stand_in in self.stand_ins.values():
            stand_in.server.server_close()


def until(check, *, timeout: float = 20.0, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[Balancer]:
    running = Balancer(tmp_path)
    try:
        until(lambda: _status(running.url("public") + "/") == 200, what="HAProxy with web instances up")
        yield running
    finally:
        running.stop()


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return 0


def replica_of(balancer: Balancer, conversation: str) -> str:
    response = httpx.post(
        balancer.url("rasa") + "/webhooks/gateway/webhook",
        headers={"X-Conversation-Id": conversation},
        content=b"{}",
        timeout=10,
    )
    assert response.status_code == 200
    return response.text


def test_a_conversation_stays_on_one_replica_and_moves_without_a_failed_turn_when_it_dies(
    balancer: Balancer,
) -> None:
    conversations = [f"c{n:03d}" for n in range(60)]
    until(
        lambda: {replica_of(balancer, c) for c in conversations} == {"rasa1", "rasa2"},
        what="both Rasa replicas up",
    )
    before = {c: replica_of(balancer, c) for c in conversations}
    assert all(replica_of(balancer, c) == before[c] for c in conversations for _ in range(3))
    assert 10 <= sum(r == "rasa1" for r in before.values()) <= 50  # both replicas carry conversations

    balancer.stand_ins["rasa1"].stop()
    after = {c: replica_of(balancer, c) for c in conversations}  # not one turn fails meanwhile
    assert set(after.values()) == {"rasa2"}


def test_the_internal_api_is_refused_on_the_public_frontend_and_served_on_the_internal_one(
    balancer: Balancer,
) -> None:
    web = [balancer.stand_ins["web1"], balancer.stand_ins["web2"]]
    public = httpx.post(balancer.url("public") + "/internal/nlg", content=b"{}", timeout=10)
    assert public.status_code == 404
    assert not any(path.startswith("/internal/") for stand_in in web for path in stand_in.paths)
    internal = httpx.post(balancer.url("internal") + "/internal/nlg", content=b"{}", timeout=10)
    assert internal.status_code == 200 and internal.text in ("web1", "web2")


def test_an_instance_that_is_not_ready_gets_no_traffic(balancer: Balancer) -> None:
    balancer.stand_ins["web1"].ready = False
    until(
        lambda: all(httpx.get(balancer.url("public") + "/", timeout=5).text == "web2" for _ in range(6)),
        what="HAProxy to take web1 out",
    )
    balancer.stand_ins["web1"].ready = True
    until(
        lambda: (
            {httpx.get(balancer.url("public") + "/", timeout=5).text for _ in range(6)} == {"web1", "web2"}
        ),
        what="web1 back",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/chat/history"), ("POST", "/api/chat/messages"), ("POST", "/webhooks/twilio/sms")],
)
def test_a_request_safe_to_send_twice_is_answered_by_the_other_instance_when_one_dies_in_it(
    balancer: Balancer, method: str, path: str
) -> None:
    web1, web2 = balancer.stand_ins["web1"], balancer.stand_ins["web2"]
    web1.dies_in_requests = True
    with httpx.Client(base_url=balancer.url("public"), timeout=10) as client:  # kept alive, as browsers
        answers = [client.request(method, path, content=b'{"client_message_id": "m-0001"}') for _ in range(6)]
    assert [(a.status_code, a.text) for a in answers] == [(200, "web2")] * 6
    assert path in web1.paths  # at least one went to the dying instance first and was sent on
    assert web2.paths.count(path) == 6


def test_a_request_not_safe_to_send_twice_is_not_sent_to_the_other_instance(balancer: Balancer) -> None:
    """A caseworker's form, say: sent twice it could send a message twice. Its client gets the failure."""
    web1, web2 = balancer.stand_ins["web1"], balancer.stand_ins["web2"]
    web1.dies_in_requests = True
    failed = 0
    with httpx.Client(base_url=balancer.url("public"), timeout=10) as client:
        for _ in range(6):
            try:
                answer = client.post("/inbox/threads/1/messages", content=b"text=hej")
            except httpx.TransportError:
                failed += 1
                continue
            failed += answer.status_code != 200
    assert failed >= 1
    assert web1.paths.count("/inbox/threads/1/messages") == failed
    assert web2.paths.count("/inbox/threads/1/messages") == 6 - failed
