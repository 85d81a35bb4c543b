"""`make bench`: turn latency and throughput through the gateway, side by side with plain Rasa.

One run starts the product on free loopback ports (development mode), then drives N concurrent
scripted conversations (default 20) with the same turns through both paths, alternating the paths
for `--rounds` rounds (default 3):

- gateway: `POST /api/chat/messages` on the backend (session, transcript, language, Rasa, NLG);
- plain Rasa: the same messages straight to Rasa's channel (`/webhooks/gateway/webhook`).

Both paths use the same model, action server and NLG endpoint, so the difference is what the
gateway adds. Prints p50/p95/p99 latency, turns per second and the ratio of the p95s.

Then the SMS load: M phones (default 50) text the assistant through the signed Twilio webhook. The
phones start within the first `--ramp-seconds` (default 2: real phones are not synchronised to the
millisecond) and each waits for the reply, then "reads and types" for 1–3 s (`--think-seconds`)
before its next message; the real twilio client sends the replies to a local fake of Twilio's API.
Reported: the webhook's response time (it must not wait for Rasa), the time from an inbound SMS to
the first reply handed to Twilio, and outbox throughput. Last, the worst case, reported apart: all
M phones' webhooks at the same instant (one Python process answers them one after the other).

Last, scale-out (`scale_out`): the production topology of deploy/ (scripts/cluster.py: HAProxy, two
web instances, two workers, two Rasa replicas, two action servers) with one and with two Rasa replicas
in the same run, and plain Rasa beside it; the line starting with `scale-out:` gives turns/s, p50/p95
and CPU seconds per turn per process kind. `--only gateway` or `--only scale-out` runs one part.

The product runs on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped afterwards) when it is
reachable, else on SQLite; the report says which.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from backend.channels import texts as gateway_texts
from backend.nlg import translate
from scripts.cluster import ADMIN_URL as CLUSTER_ADMIN_URL
from scripts.cluster import Cluster, create_databases, drop_databases
from scripts.stack import ROOT, Stack, free_port
from tests.fakes.twilio_api import FakeTwilio

TWILIO_SID, TWILIO_TOKEN, TWILIO_FROM = "AC" + "be" * 16, "bench-twilio-token", "+299321000"
SMS_TURNS = ["Hvad er boligsikring?", "Hvilke dokumenter skal jeg bruge?", "Tak"]

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


async def sms_phone(
    client: httpx.AsyncClient,
    stack: Stack,
    fake: FakeTwilio,
    number: str,
    webhook: list[float],
    e2e: list[float],
    pacing: random.Random,
    args: argparse.Namespace,
) -> None:
    url = f"{stack.backend_url}/webhooks/twilio/sms"
    validator = RequestValidator(TWILIO_TOKEN)
    think_min, think_max = args.think_seconds
    await asyncio.sleep(pacing.uniform(0, args.ramp_seconds))
    for number_of_turn, text in enumerate(SMS_TURNS):
        if number_of_turn:
            await asyncio.sleep(pacing.uniform(think_min, think_max))
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID,
            "From": number,
            "To": TWILIO_FROM,
            "Body": text,
        }
        seen = len(fake.sent_to(number))
        started = time.monotonic()
        response = await client.post(
            url, data=params, headers={"X-Twilio-Signature": validator.compute_signature(url, params)}
        )
        webhook.append(time.monotonic() - started)
        response.raise_for_status()
        while True:  # the fake records the monotonic time it accepted each message
            with fake.lock:
                replies = [m for m in fake.messages if m["to"] == number]
            if len(replies) > seen:
                e2e.append(replies[seen]["time"] - started)
                break
            if time.monotonic() - started > 120:
                raise RuntimeError(f"no reply to {number} within 120 s")
            await asyncio.sleep(0.02)


async def drive_sms(
    stack: Stack, fake: FakeTwilio, args: argparse.Namespace
) -> tuple[list[float], list[float], float, int]:
    webhook: list[float] = []
    e2e: list[float] = []
    pacing = random.Random(42)  # the same arrival pattern in every run
    limits = httpx.Limits(max_connections=args.phones * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        before = len(fake.messages)
        started = time.monotonic()
        numbers = [f"+29952{n:04d}" for n in range(args.phones)]
        await asyncio.gather(
            *(sms_phone(client, stack, fake, number, webhook, e2e, pacing, args) for number in numbers)
        )
        await asyncio.sleep(2)  # let the last multi-part replies leave
        elapsed = time.monotonic() - started
        sent = len(fake.messages) - before
    return webhook, e2e, elapsed, sent


async def sms_burst(stack: Stack, phones: int) -> list[float]:
    """Every phone's webhook at the same instant (signatures computed before the clock starts)."""
    url = f"{stack.backend_url}/webhooks/twilio/sms"
    validator = RequestValidator(TWILIO_TOKEN)
    requests = []
    for n in range(phones):
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID,
            "From": f"+29953{n:04d}",
            "To": TWILIO_FROM,
            "Body": SMS_TURNS[0],
        }
        requests.append((params, validator.compute_signature(url, params)))
    latencies: list[float] = []

    async def one(client: httpx.AsyncClient, params: dict[str, str], signature: str) -> None:
        started = time.monotonic()
        response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        latencies.append(time.monotonic() - started)
        response.raise_for_status()

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=phones * 2)) as client:
        await client.get(f"{stack.backend_url}/healthz")
        await asyncio.gather(*(one(client, params, signature) for params, signature in requests))
    return latencies


def postgres_database() -> str | None:
    """A fresh PostgreSQL database for the run, or None when the server does not answer."""
    name = f"inissiaq_bench_{uuid.uuid4().hex[:6]}"
    created = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", f"CREATE DATABASE {name}"],
        capture_output=True,
        check=False,
    )
    return f"postgresql://postgres@127.0.0.1:5432/{name}" if created.returncode == 0 else None


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
        ],
        capture_output=True,
        check=False,
    )


def merged(rounds: list[tuple[list[float], float]]) -> tuple[list[float], float]:
    """All rounds' latencies, and their summed wall time (for turns per second)."""
    return [v for latencies, _ in rounds for v in latencies], sum(elapsed for _, elapsed in rounds)


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
    postgres = postgres_database()
    tracker = postgres_database() if postgres else None  # Rasa's tracker store: its own database
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN)
    fake.start_in_thread()
    stack = Stack(
        model=Path(args.model),
        database_url=postgres or f"sqlite:///{db}",
        var_dir=var_dir,
        backend_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        extra_env={
            "RASA_TRACKER_DB": tracker.rsplit("/", 1)[1]
            if tracker
            else str(var_dir / f"tracker-{db.stem}.db"),
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM_NUMBER": TWILIO_FROM,
            "TWILIO_API_BASE": fake.base_url,
            # The load comes from one address and a few phones: the abuse limits would measure themselves.
            "NEW_SESSIONS_PER_MINUTE": "0",
            "CHAT_MESSAGES_PER_MINUTE": "0",
            "INBOUND_TURNS_PER_MINUTE": "0",
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        # Warm up both paths once (model graph, connection pools) before measuring.
        await drive("gateway", stack, 2)
        await drive("rasa", stack, 2)
        # Alternate the two paths round by round, so that drift on the shared cores (other processes,
        # warm-up, the tracker store growing) falls on both alike.
        rasa_rounds, gateway_rounds = [], []
        for _ in range(args.rounds):
            rasa_rounds.append(await drive("rasa", stack, args.conversations))
            gateway_rounds.append(await drive("gateway", stack, args.conversations))
        rasa, gateway = merged(rasa_rounds), merged(gateway_rounds)
        webhook, to_send, sms_elapsed, sent = await drive_sms(stack, fake, args)
        burst = await sms_burst(stack, args.phones)
    finally:
        stack.stop()
        fake.stop_in_thread()
        for path in var_dir.glob(f"*{db.stem}*"):
            path.unlink(missing_ok=True)
        for url in (postgres, tracker):
            if url:
                drop_postgres_database(url)
    p95_rasa = percentile(rasa[0], 95)
    p95_gateway = percentile(gateway[0], 95)
    lines = [
        f"{args.conversations} concurrent conversations x {len(TURNS)} turns, {args.rounds} alternating rounds "
        f"per path, on {platform.node()} "
        f"({platform.machine()}, {_cpus()} cores, Python {platform.python_version()})",
        "",
        "| path | turns | p50 ms | p95 ms | p99 ms | mean ms | turns/s |",
        "|---|---|---|---|---|---|---|",
        row("plain Rasa (channel direct)", *rasa),
        row("gateway (POST /api/chat/messages)", *gateway),
        "",
        f"gateway p95 / Rasa p95 = {p95_gateway / p95_rasa:.2f} (overhead {100 * (p95_gateway / p95_rasa - 1):+.1f} %)",
        "",
        f"SMS: {args.phones} phones x {len(SMS_TURNS)} messages through the signed Twilio webhook "
        f"(database: {'PostgreSQL' if postgres else 'SQLite'}); phones start within {args.ramp_seconds:g} s "
        f"and think {args.think_seconds[0]:g}–{args.think_seconds[1]:g} s between a reply and their next message",
        "",
        "| measure | n | p50 ms | p95 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|---|",
        _latency_row("webhook response (target p95 < 50 ms)", webhook),
        _latency_row("inbound SMS to first reply at Twilio", to_send),
        _latency_row(f"worst case: {args.phones} webhooks at the same instant (no target)", burst),
        "",
        f"outbox: {sent} SMS handed to (fake) Twilio in {sms_elapsed:.1f} s = {sent / sms_elapsed:.1f} messages/s "
        "(bounded by the bot turns, one conversation's turns in order)",
    ]
    return "\n".join(lines)


FAILED_TURNS: dict[str, int] = {}  # per path: turns answered with an error or an apology
APOLOGIES_DA = [
    translate("da", gateway_texts.TRY_AGAIN),
    translate("da", gateway_texts.ASSISTANT_UNAVAILABLE),
]


async def counted_conversation(
    kind: str, client: httpx.AsyncClient, secret: str, latencies: list[float]
) -> None:
    """One scripted conversation (TURNS) through the product or straight to Rasa; a failed turn (a
    Rasa 503, or the product's apology) is counted in FAILED_TURNS instead of stopping the run."""
    cookies = httpx.Cookies()
    sender = uuid.uuid4().hex
    for text in TURNS:
        started = time.perf_counter()
        if kind == "rasa":
            response = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": sender, "message": text},
                headers={"Authorization": f"Bearer {secret}"},
            )
        else:
            response = await client.post(
                "/api/chat/messages", json={"text": text, "language": "da"}, cookies=cookies
            )
            cookies.update(response.cookies)
        latencies.append(time.perf_counter() - started)
        failed = response.status_code != 200 or not response.json()
        if kind != "rasa" and not failed:
            answer = " ".join(m.get("text") or "" for m in response.json()["messages"])
            failed = any(apology in answer for apology in APOLOGIES_DA)
        if failed:
            FAILED_TURNS[kind] = FAILED_TURNS.get(kind, 0) + 1


async def drive_base(kind: str, base: str, secret: str, conversations: int) -> tuple[list[float], float]:
    """N concurrent conversations against any address: the product's (HAProxy's public frontend) or
    one Rasa replica's."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=conversations * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(counted_conversation(kind, client, secret, latencies) for _ in range(conversations))
        )
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def _rasa2_status(cluster: Cluster) -> str:
    """HAProxy's status of the second Rasa replica (UP, DOWN, MAINT...), from `show stat`."""
    for line in cluster.haproxy_command("show stat").splitlines():
        fields = line.split(",")
        if fields[:2] == ["rasa", "rasa2"]:
            return fields[17]
    return ""


async def _with_replicas(cluster: Cluster, replicas: int) -> None:
    """Put the second Rasa replica in maintenance (one replica) or back (two) and wait for HAProxy."""
    cluster.haproxy_command(f"set server rasa/rasa2 state {'ready' if replicas == 2 else 'maint'}")
    wanted = "UP" if replicas == 2 else "MAINT"
    deadline = time.monotonic() + 30
    while not _rasa2_status(cluster).startswith(wanted):
        if time.monotonic() > deadline:
            raise TimeoutError(f"rasa2 not {wanted} in HAProxy after 30 s")
        await asyncio.sleep(0.2)


async def scale_out(args: argparse.Namespace) -> str:
    """The production topology (scripts/cluster.py, deploy/haproxy.cfg) with one and with two Rasa
    replicas, alternating round by round (HAProxy's runtime API puts rasa2 in maintenance), plus plain
    Rasa (one replica, its channel direct) in the same run. CPU seconds per turn per process kind from
    /proc (each process group's utime + stime)."""
    names = create_databases("inissiaq_bench_cluster")
    cluster = Cluster(
        model=Path(args.model),
        database_url=f"{CLUSTER_ADMIN_URL.rsplit('/', 1)[0]}/{names[0]}",
        rasa_database=names[1],
        redis_url=args.redis_url,
        var_dir=ROOT / "var" / "bench-cluster",
        extra_env={
            "NEW_SESSIONS_PER_MINUTE": "0",
            "CHAT_MESSAGES_PER_MINUTE": "0",
            "INBOUND_TURNS_PER_MINUTE": "0",
        },
    )
    results: dict[str, list[tuple[list[float], float]]] = {"1": [], "2": [], "rasa": []}
    cpu: dict[str, dict[str, float]] = {"1": {}, "2": {}}
    try:
        cluster.start()
        cluster.wait_ready(timeout=600)
        for replicas in (2, 1):  # warm up both replicas and the connection pools
            await _with_replicas(cluster, replicas)
            await drive_base("gateway", cluster.public_url, cluster.internal_secret, 4)
        await drive_base("rasa", cluster.url("rasa1"), cluster.internal_secret, 2)
        FAILED_TURNS.clear()  # count only the measured rounds
        for _ in range(args.rounds):
            for replicas in ("2", "1"):
                await _with_replicas(cluster, int(replicas))
                before = cluster.cpu_seconds()
                results[replicas].append(
                    await drive_base(
                        "gateway", cluster.public_url, cluster.internal_secret, args.conversations
                    )
                )
                after = cluster.cpu_seconds()
                for name, seconds in after.items():
                    kind = name.rstrip("12")
                    used = max(0.0, seconds - before.get(name, seconds))
                    cpu[replicas][kind] = cpu[replicas].get(kind, 0.0) + used
            results["rasa"].append(
                await drive_base("rasa", cluster.url("rasa1"), cluster.internal_secret, args.conversations)
            )
    finally:
        cluster.stop()
        drop_databases(names)
    one, two, plain = merged(results["1"]), merged(results["2"]), merged(results["rasa"])

    def rate(measured: tuple[list[float], float]) -> float:
        return len(measured[0]) / measured[1]

    def ms(measured: tuple[list[float], float], q: float) -> float:
        return percentile(measured[0], q) * 1000

    def per_turn(replicas: str, measured: tuple[list[float], float]) -> str:
        turns = len(measured[0])
        kinds = ("web", "worker", "rasa", "actions", "haproxy")
        return ", ".join(f"{kind} {cpu[replicas].get(kind, 0.0) / turns:.3f}" for kind in kinds)

    return "\n".join(
        [
            f"scale-out: 1 Rasa replica {rate(one):.1f} turns/s (p50 {ms(one, 50):.0f} ms, p95 {ms(one, 95):.0f} ms); "
            f"2 Rasa replicas {rate(two):.1f} turns/s (p50 {ms(two, 50):.0f} ms, p95 {ms(two, 95):.0f} ms); "
            f"2/1 = {rate(two) / rate(one):.2f}x; plain Rasa (1 replica, direct) {rate(plain):.1f} turns/s "
            f"(p50 {ms(plain, 50):.0f} ms, p95 {ms(plain, 95):.0f} ms)",
            f"  {args.conversations} concurrent conversations x {len(TURNS)} turns, {args.rounds} alternating rounds, "
            f"through HAProxy (deploy/haproxy.cfg), 2 web, 2 workers, 2 action servers, PostgreSQL, Redis; "
            f"{_cpus()} cores",
            f"  turns that failed (a Rasa error, or the product's apology): "
            f"product {FAILED_TURNS.get('gateway', 0)} of {len(one[0]) + len(two[0])}, "
            f"plain Rasa {FAILED_TURNS.get('rasa', 0)} of {len(plain[0])}",
            f"  CPU s/turn, 1 replica: {per_turn('1', one)}",
            f"  CPU s/turn, 2 replicas: {per_turn('2', two)}",
        ]
    )


def _latency_row(name: str, latencies: list[float]) -> str:
    ms = [v * 1000 for v in latencies]
    return (
        f"| {name} | {len(ms)} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | {percentile(ms, 99):.0f} "
        f"| {statistics.mean(ms):.0f} |"
    )


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of plain Rasa and gateway")
    parser.add_argument("--phones", type=int, default=50, help="concurrent phones in the SMS load")
    parser.add_argument("--ramp-seconds", type=float, default=2.0, help="the phones start within this time")
    parser.add_argument(
        "--think-seconds",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="pause between a reply and the phone's next message",
    )
    parser.add_argument(
        "--only", choices=("gateway", "scale-out"), help="run one part: the single stack, or the topology"
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/8", help="the topology's Redis (its own db number)"
    )
    args = parser.parse_args()
    parts = []
    if args.only != "scale-out":
        parts.append(asyncio.run(run(args)))
    if args.only != "gateway":
        parts.append(asyncio.run(scale_out(args)))
    report = "\n\n".join(parts)
    print(report)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / "last-report.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
