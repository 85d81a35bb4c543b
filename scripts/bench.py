"""`make bench`: turn latency and throughput through the gateway, side by side with plain Rasa.

One run starts the product on free loopback ports (SQLite, development mode), then drives N
concurrent scripted conversations (default 20) twice with the same turns:

- gateway: `POST /api/chat/messages` on the backend (session, transcript, language, Rasa, NLG);
- plain Rasa: the same messages straight to Rasa's channel (`/webhooks/gateway/webhook`).

Both paths use the same model, action server and NLG endpoint, so the difference is what the
gateway adds. Prints p50/p95/p99 latency, turns per second and the ratio of the p95s.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.stack import ROOT, Stack, free_port

TURNS = [
    "Hej",
    "Hvad er boligsikring?",
    "Hvem kan få boligsikring?",
    "Hvilke dokumenter skal jeg bruge?",
    "Hvor lang tid tager det?",
    "Min udlejer er privat, kan jeg søge?",
    "Tak for hjælpen",
    "Farvel",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def gateway_conversation(client: httpx.AsyncClient, latencies: list[float]) -> None:
    cookies = httpx.Cookies()
    for text in TURNS:
        started = time.perf_counter()
        response = await client.post(
            "/api/chat/messages", json={"text": text, "language": "da"}, cookies=cookies
        )
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        cookies.update(response.cookies)
        assert response.json()["messages"], "empty reply"


async def rasa_conversation(client: httpx.AsyncClient, secret: str, latencies: list[float]) -> None:
    sender = uuid.uuid4().hex
    for text in TURNS:
        started = time.perf_counter()
        response = await client.post(
            "/webhooks/gateway/webhook",
            json={"sender": sender, "message": text},
            headers={"Authorization": f"Bearer {secret}"},
        )
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        assert response.json(), "empty reply"


async def drive(kind: str, stack: Stack, conversations: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    base = stack.backend_url if kind == "gateway" else stack.rasa_url
    limits = httpx.Limits(max_connections=conversations * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        if kind == "gateway":
            jobs = [gateway_conversation(client, latencies) for _ in range(conversations)]
        else:
            jobs = [rasa_conversation(client, stack.internal_secret, latencies) for _ in range(conversations)]
        await asyncio.gather(*jobs)
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def row(name: str, latencies: list[float], elapsed: float) -> str:
    ms = [v * 1000 for v in latencies]
    return (
        f"| {name} | {len(ms)} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | {percentile(ms, 99):.0f} "
        f"| {statistics.mean(ms):.0f} | {len(ms) / elapsed:.1f} |"
    )


async def run(args: argparse.Namespace) -> str:
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    db = var_dir / f"bench-{uuid.uuid4().hex[:6]}.db"
    stack = Stack(
        model=Path(args.model),
        database_url=f"sqlite:///{db}",
        var_dir=var_dir,
        backend_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        extra_env={"RASA_TRACKER_DB": str(var_dir / f"tracker-{db.stem}.db")},
    )
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        # Warm up both paths once (model graph, connection pools) before measuring.
        await drive("gateway", stack, 2)
        await drive("rasa", stack, 2)
        rasa = await drive("rasa", stack, args.conversations)
        gateway = await drive("gateway", stack, args.conversations)
    finally:
        stack.stop()
        for path in var_dir.glob(f"*{db.stem}*"):
            path.unlink(missing_ok=True)
    p95_rasa = percentile(rasa[0], 95)
    p95_gateway = percentile(gateway[0], 95)
    lines = [
        f"{args.conversations} concurrent conversations x {len(TURNS)} turns, on {platform.node()} "
        f"({platform.machine()}, {_cpus()} cores, Python {platform.python_version()})",
        "",
        "| path | turns | p50 ms | p95 ms | p99 ms | mean ms | turns/s |",
        "|---|---|---|---|---|---|---|",
        row("plain Rasa (channel direct)", *rasa),
        row("gateway (POST /api/chat/messages)", *gateway),
        "",
        f"gateway p95 / Rasa p95 = {p95_gateway / p95_rasa:.2f} (overhead {100 * (p95_gateway / p95_rasa - 1):+.1f} %)",
    ]
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--conversations", type=int, default=20)
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(report)
    (ROOT / "var" / "bench" / "last-report.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
