#!/usr/bin/env python3
"""What one NLG call costs the backend, with the tracker Rasa really posts (docs/texts.md).

Rasa 3.6 posts the whole tracker (`EventVerbosity.ALL`) with every response it renders. This builds a
tracker of a realistic conversation (default 60 events: user messages with full intent rankings,
actions, slots, bot messages), then times `POST /internal/nlg` over HTTP
(auth, JSON parsing, the conversation lookup in SQLite, rendering) against a real backend process
(`python -m backend.serve` on a free loopback port, fresh SQLite file), with the same call and an empty
tracker for comparison, and the rendering alone.

    .venv-backend/bin/python scripts/nlg_cost.py [--events 60] [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.config import async_database_url  # noqa: E402
from scripts.ports import free_port  # noqa: E402

INTENTS = [
    "greet", "affirm", "deny", "apply_housing_benefit", "check_status", "ask_eligibility",
    "ask_documents", "inform_phone", "thank", "help",
]  # fmt: skip


def tracker(sender_id: str, events: int) -> dict[str, Any]:
    """A tracker in Rasa's `current_state(EventVerbosity.ALL)` shape with `events` events."""
    log: list[dict[str, Any]] = []
    t = 1_763_900_000.0
    turn = 0
    while len(log) < events:
        turn += 1
        t += 7.5
        intent = INTENTS[turn % len(INTENTS)]
        ranking = [{"name": name, "confidence": round(1 / (i + 2), 4)} for i, name in enumerate(INTENTS)]
        parse = {
            "intent": {"name": intent, "confidence": 0.93},
            "entities": [],
            "text": f"besked nummer {turn} fra borgeren om boligsikring",
            "message_id": f"{turn:032x}",
            "metadata": {},
            "intent_ranking": ranking,
            "response_selector": {"all_retrieval_intents": [], "default": {"response": {}, "ranking": []}},
        }
        log.append({"event": "user", "timestamp": t, "text": parse["text"], "parse_data": parse,
                    "input_channel": "gateway", "message_id": parse["message_id"], "metadata": {}})  # fmt: skip
        log.append({"event": "user_featurization", "timestamp": t, "use_text_for_featurization": False})
        log.append({"event": "action", "timestamp": t + 0.1, "name": "action_start_application",
                    "policy": "RulePolicy", "confidence": 1.0, "action_text": None, "hide_rule_turn": False})  # fmt: skip
        log.append({"event": "slot", "timestamp": t + 0.2, "name": "draft_id", "value": f"d{turn:030x}"})
        log.append({"event": "bot", "timestamp": t + 0.3, "text": "Qinnuteqaatit eqqortuua? " * 4,
                    "data": {"buttons": [{"title": "Aap", "payload": "/affirm"}, {"title": "Naamik", "payload": "/deny"}]},
                    "metadata": {"utter_action": "utter_ask_dwelling_confirmed"}})  # fmt: skip
        log.append({"event": "action", "timestamp": t + 0.4, "name": "action_listen", "policy": "RulePolicy",
                    "confidence": 1.0, "action_text": None, "hide_rule_turn": False})  # fmt: skip
    log = log[:events]
    return {
        "sender_id": sender_id,
        "slots": {
            "draft_id": "d1",
            "phone": "+299551234",
            "language": "kl",
            "requested_slot": "dwelling_confirmed",
        },
        "latest_message": log[0]["parse_data"] if log else {},
        "latest_event_time": t,
        "followup_action": None,
        "paused": False,
        "events": log,
        "latest_input_channel": "gateway",
        "active_loop": {"name": "application_form"},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_posts(client: httpx.Client, body: dict[str, Any], requests: int) -> list[float]:
    """Milliseconds per sequential request (keep-alive), after a warm-up."""
    timings: list[float] = []
    for index in range(requests + 20):
        started = time.perf_counter()
        response = client.post("/internal/nlg", json=body)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200 and response.json()["text"], response.text
        if index >= 20:
            timings.append(elapsed * 1000)
    return timings


def summary(label: str, timings: list[float]) -> str:
    return (
        f"{label}: mean {statistics.mean(timings):.2f} ms, p50 {percentile(timings, 0.5):.2f} ms, "
        f"p95 {percentile(timings, 0.95):.2f} ms"
    )


async def add_conversation(url: str, conversation_id: str) -> None:
    from backend.db import create_engine, create_session_factory
    from backend.models.conversations import Conversation

    engine = create_engine(async_database_url(url))
    async with create_session_factory(engine)() as db:
        db.add(Conversation(id=conversation_id, channel="web", language="da"))
        await db.commit()
    await engine.dispose()


def measure(events: int, requests: int) -> None:
    from backend.nlg import render_response

    conversation_id = "c" * 32
    arguments = {"dwelling_address": "Aqqusinersuaq 12, 3900 Nuuk", "rooms": 3, "rent_amount": "6450.00",
                 "landlord": "INI A/S", "move_in_date": "2019-03-01", "tenant_number": "INI-104233"}  # fmt: skip

    def body(n_events: int) -> dict[str, Any]:
        return {"response": "utter_draft_dwelling", "arguments": arguments, "id": None,
                "tracker": tracker(conversation_id, n_events), "channel": {"name": "gateway"}}  # fmt: skip

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/nlg.db"
        port = free_port()
        env = {**os.environ, "PORT": str(port), "DATABASE_URL": url, "INISSIAQ_INTERNAL_SECRET": "bench",
               "INISSIAQ_MODE": "development", "BACKGROUND_WORKERS": "0"}  # fmt: skip
        subprocess.run([sys.executable, "-m", "backend.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "backend.serve"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the backend did not start")
                time.sleep(0.5)
            asyncio.run(add_conversation(url, conversation_id))
            with httpx.Client(base_url=base, headers={"Authorization": "Bearer bench"}, timeout=10) as client:
                full = timed_posts(client, body(events), requests)
                empty = timed_posts(client, body(0), requests)
        finally:
            server.terminate()
            server.wait(timeout=30)

    render: list[float] = []
    for _ in range(requests):
        started = time.perf_counter()
        render_response("utter_draft_dwelling", "da", arguments, "web")
        render.append((time.perf_counter() - started) * 1000)

    size = len(json.dumps(body(events)).encode())
    print(
        f"tracker of {events} events: request body {size / 1024:.1f} KiB; {requests} sequential requests each"
    )
    print(summary(f"POST /internal/nlg, {events}-event tracker", full))
    print(summary("POST /internal/nlg, empty tracker", empty))
    print(f"rendering alone: mean {statistics.mean(render):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    measure(args.events, args.requests)


if __name__ == "__main__":
    main()
