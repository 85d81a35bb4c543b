"""The production topology under failures: processes SIGKILLed under load, then PostgreSQL restarted.

The topology of deploy/ (scripts/cluster.py: HAProxy with deploy/haproxy.cfg, two backend web
instances, two workers, two Rasa replicas, two action servers), here on its own PostgreSQL cluster
(initdb on a temporary directory, a free port; its roles and databases from deploy/roles.sql: the owner
migrates and grants, the instances connect as `inissiaq_app`, Rasa as `inissiaq_rasa`) and its own
Redis (a free port), loopback only.

Scripted citizens apply on the web (through HAProxy's public frontend) and by SMS (the signed Twilio
webhook; the replies go to the fake Twilio), and keep asking questions afterwards, while one process
after another is SIGKILLed: a Rasa replica, an action server, a web instance, a worker and Redis. Each
comes back as systemd would start it again (the unit's RestartSec). Then:

- every citizen who pressed "send" has exactly one application;
- no SMS reached the fake Twilio twice (every message the fake accepted is one outbox row, sent once);
- every citizen turn got an answer: a web turn a 200 with messages (an apology is allowed), an SMS
  turn at least one reply; never a 5xx or silence.

Then the 09:00 digest: both workers start again with their scheduler's clock at 09:00 of a working day
(SCHEDULER_CLOCK_START, a development setting; until then it stood on a Sunday), race for the slot, and
once the e-mails are out one worker is killed and comes back: each designated caseworker gets exactly
one digest e-mail (a real SMTP server on loopback) and the slot has one run.

Then PostgreSQL is stopped (immediate shutdown, as a crash) and started again: every web instance's
/readyz answers 503 naming the database while it is down and 200 after, and no acknowledged
application (a reference the citizen was shown) is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from twilio.request_validator import RequestValidator

from backend.channels import texts as gateway_texts
from backend.inbox.demo import DEMO_ACCOUNTS
from backend.nlg.render import translate
from backend.scheduler import TICK_SECONDS, is_working_day
from scripts.cluster import Cluster, http_status
from scripts.model import model_path
from scripts.stack import ROOT, free_port
from tests.conftest import ALWAYS_OPEN, DEV_PASSWORD, DEV_TOTP_SECRET, TWILIO_SID, TWILIO_TOKEN
from tests.fakes.smtp_server import SmtpRecorder
from tests.fakes.twilio_api import FakeTwilio

pytestmark = [pytest.mark.e2e, pytest.mark.own_stack]

INISSIAQ = ROOT / ".venv-backend" / "bin" / "inissiaq"
REFERENCE = re.compile(r"\bBS-[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}\b")
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_-]+")
WEB_CITIZENS = ["1407943816", "0904561357", "0603683149"]  # da tenants with a phone in the register
SMS_CITIZENS = {"+299559801": "1201791123", "+299559802": "2102902345"}  # kl tenants
QUESTIONS_DA = ["Hvad er boligsikring?", "Hvilke dokumenter skal jeg bruge?", "Hvor lang tid tager det?"]
QUESTIONS_KL = ["Boligsikring sunaava?"]
STATUS_QUESTION = {"da": "Hvad er status på min ansøgning?", "kl": "qinnuteqaatiga qanoq ippa?"}
NUUK = ZoneInfo("America/Nuuk")
START_TIMEOUT = 600  # Rasa loads its model in about a minute alone, far longer on a busy machine
SMS_REPLY_TIMEOUT = 90
ROLES_SQL = ROOT / "deploy" / "roles.sql"


def postgres_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql/*/bin (Debian's postgresql package)")
    return str(found[-1])


class OwnPostgres:
    """A PostgreSQL cluster of the test's own: initdb on a temporary directory, a free loopback port."""

    def __init__(self) -> None:
        # Not under pytest's temporary directory: as root, the server runs as the postgres user, who
        # must be able to reach its data directory.
        self.dir, self.port = Path(tempfile.mkdtemp(prefix="inissiaq-pg-")), free_port()
        self.data = self.dir / "data"
        self.user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.user:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.user, postgres_bin(tool), *args],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.dir,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def create_roles(self) -> None:
        """Roles and databases as a superuser creates them before the first deployment: deploy/roles.sql
        (the passwords are not checked here: the test's server trusts loopback)."""
        variables = [
            arg
            for name in ("owner", "app", "rasa")
            for arg in ("-v", f"{name}_password={secrets.token_urlsafe(12)}")
        ]
        subprocess.run(
            ["psql", "-q", *variables, "-f", str(ROLES_SQL), self.url("postgres")],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def query(self, database: str, sql: str) -> list[str]:
        result = subprocess.run(
            ["psql", "-qtAX", "-v", "ON_ERROR_STOP=1", self.url(database), "-c", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return [line for line in result.stdout.splitlines() if line]


class OwnRedis:
    """A Redis of the test's own on a free port, without persistence; `kill()` then `start()` is a crash
    and the restart that systemd's Restart=always gives redis-server.service."""

    def __init__(self, directory: Path) -> None:
        self.dir, self.port = directory, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
            != b"PONG"
        ):
            assert time.monotonic() < deadline, "Redis did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Topology:
    cluster: Cluster
    postgres: OwnPostgres
    redis: OwnRedis
    twilio: FakeTwilio
    smtp: SmtpRecorder


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    model = model_path()
    if not model.exists():
        raise RuntimeError(f"no trained model at {model}: run `make model` (make test does it)")
    base = tmp_path_factory.mktemp("cluster")
    postgres = OwnPostgres()
    postgres.start()
    redis = OwnRedis(base)
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN)
    smtp = SmtpRecorder()
    cluster: Cluster | None = None
    try:
        postgres.create_roles()
        redis.start()
        twilio.start_in_thread()
        smtp.start()
        cluster = Cluster(
            model=model,
            database_url=postgres.url("inissiaq", user="inissiaq_app"),
            migration_database_url=postgres.url("inissiaq", user="inissiaq"),
            rasa_database="inissiaq_rasa",
            rasa_user="inissiaq_rasa",
            redis_url=redis.url,
            var_dir=base / "logs",
            extra_env={
                "DEV_PASSWORD": DEV_PASSWORD,
                "DEV_TOTP_SECRET": DEV_TOTP_SECRET,
                "OPENING_HOURS": ALWAYS_OPEN,
                "NEW_SESSIONS_PER_MINUTE": "1000",
                "CHAT_MESSAGES_PER_MINUTE": "1000",
                "INBOUND_TURNS_PER_MINUTE": "1000",
                "TWILIO_ACCOUNT_SID": TWILIO_SID,
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "TWILIO_FROM_NUMBER": "+299321000",
                "TWILIO_API_BASE": twilio.base_url,
                "OUTBOX_RETRY_BASE_SECONDS": "0.2",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp.port),
                # No digest before the test asks for one: the scheduler's clock is on a Sunday.
                "SCHEDULER_CLOCK_START": at_nine(sunday_before(last_working_day())).isoformat(),
            },
        )
        cluster.start()
        cluster.wait_ready(timeout=START_TIMEOUT)
        yield Topology(cluster, postgres, redis, twilio, smtp)
    finally:
        if cluster is not None:
            cluster.stop()
        redis.kill()
        twilio.stop_in_thread()
        smtp.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            postgres.stop("immediate")
        shutil.rmtree(postgres.dir, ignore_errors=True)


# ---------------------------------------------------------------------- scripted citizens
@dataclass
class Record:
    """What the citizens saw: failures of the product (5xx, silence) and the references shown."""

    violations: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # cpr -> reference shown after "send"
    pressed_send: set[str] = field(default_factory=set)
    turns: int = 0
    apologies: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)


APOLOGIES = {
    language: {
        translate(language, gateway_texts.TRY_AGAIN),
        translate(language, gateway_texts.ASSISTANT_UNAVAILABLE),
    }
    for language in ("da", "kl")
}


def is_apology(answer: str, language: str) -> bool:
    return any(apology in answer for apology in APOLOGIES[language])


def apply_in_steps(say: Any, steps: list[str], language: str, cpr: str, record: Record) -> None:
    """Send each step's answer; a turn answered with an apology is sent again (as a citizen would).
    The last step is "send"; a reference in any answer is the receipt.

    When a turn's answer is lost to a failure after the turn itself was done (the apology came, but the
    step was taken), the citizen's repeated answer meets the next step; after "send" that leaves the
    receipt unseen. The citizen then asks for the status, as anyone would, and the reference it names
    is the receipt: the application must exist."""
    deadline = time.monotonic() + 150
    index = 0
    answer = ""
    while time.monotonic() < deadline and index < len(steps):
        if index == len(steps) - 1:
            with record.lock:
                record.pressed_send.add(cpr)
        answer = say(steps[index])
        found = REFERENCE.search(answer)
        if found:
            with record.lock:
                record.pressed_send.add(cpr)
                record.references[cpr] = found.group(0)
            return
        if answer and not is_apology(answer, language):
            index += 1
    while index == len(steps) and time.monotonic() < deadline:
        answer = say(STATUS_QUESTION[language])
        found = REFERENCE.search(answer)
        if found:
            with record.lock:
                record.references[cpr] = found.group(0)
            return
    record.violation(
        f"{language} citizen got no receipt (step {index} of {len(steps)}); last answer: {answer!r}"
    )


def web_citizen(cluster: Cluster, cpr: str, record: Record, stop: threading.Event) -> None:
    """Applies on the web, then asks questions until `stop`."""
    with httpx.Client(base_url=cluster.public_url, timeout=90) as client:

        def say(text: str) -> str:
            body = {"text": text, "language": "da", "client_message_id": uuid.uuid4().hex}
            with record.lock:
                record.turns += 1
            try:
                response = client.post("/api/chat/messages", json=body)
            except httpx.TransportError as error:  # the connection closed without an answer: silence
                record.violation(f"web: no answer to a turn ({type(error).__name__})")
                return ""
            if response.status_code != 200:
                record.violation(f"web: {response.status_code} to a turn")
                return ""
            messages = response.json().get("messages") or []
            if not messages:
                record.violation("web: an empty answer")
            answer = "\n".join(m.get("text") or "" for m in messages)
            if is_apology(answer, "da"):
                with record.lock:
                    record.apologies += 1
            return answer

        login = client.post("/auth/dev/login", json={"cpr": cpr})
        if login.status_code != 200:
            record.violation(f"web: login {login.status_code}")
            return
        apply_in_steps(say, ["Jeg vil gerne søge om boligsikring", "ja", "ja", "ja", "ja"], "da", cpr, record)
        turn = 0
        while not stop.is_set():
            say(QUESTIONS_DA[turn % len(QUESTIONS_DA)])
            turn += 1


def sms_citizen(
    cluster: Cluster, twilio: FakeTwilio, number: str, cpr: str, record: Record, stop: threading.Event
) -> None:
    """Applies by SMS (logging in through the one-time link), then asks questions until `stop`."""
    url = f"{cluster.public_url}/webhooks/twilio/sms"
    validator = RequestValidator(TWILIO_TOKEN)

    def wait_reply(seen: int, quiet: float = 1.5) -> str:
        """The replies after the first `seen`, once one came and none followed for `quiet` seconds."""
        deadline = time.monotonic() + SMS_REPLY_TIMEOUT
        last, changed = seen, time.monotonic()
        while time.monotonic() < deadline:
            count = len(twilio.sent_to(number))
            if count != last:
                last, changed = count, time.monotonic()
            elif count > seen and time.monotonic() - changed >= quiet:
                return "\n".join(twilio.sent_to(number)[seen:])
            time.sleep(0.1)
        record.violation(f"SMS: no reply within {SMS_REPLY_TIMEOUT}s")
        return ""

    def say(text: str) -> str:
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID,
            "From": number,
            "To": "+299321000",
            "Body": text,
            "NumMedia": "0",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
        seen = len(twilio.sent_to(number))
        with record.lock:
            record.turns += 1
        try:
            response = httpx.post(url, data=params, headers=headers, timeout=30)
        except httpx.TransportError as error:
            record.violation(f"SMS: the webhook did not answer ({type(error).__name__})")
            return ""
        if response.status_code != 200:
            record.violation(f"SMS: webhook answered {response.status_code}")
            return ""
        answer = wait_reply(seen)
        if is_apology(answer, "kl"):
            with record.lock:
                record.apologies += 1
        return answer

    links: list[str] = []
    while not links and not stop.is_set():
        links = LINK.findall(say("Boligsikringimik qinnuteqarusuppunga"))
    if not links:
        record.violation("SMS: no login link")
        return
    seen = len(twilio.sent_to(number))
    with httpx.Client(timeout=30) as browser:
        base = links[0].split("/l/")[0]
        browser.post(links[0], headers={"Origin": base})
        browser.post(base + "/auth/dev/login", json={"cpr": cpr}, headers={"Origin": base})
        confirmed = browser.post(base + "/l/confirm", data={}, headers={"Origin": base})
    if confirmed.status_code != 303:
        record.violation(f"SMS: the link confirmation answered {confirmed.status_code}")
        return
    wait_reply(seen)  # the draft
    apply_in_steps(say, ["aap", "1", "aap", "1"], "kl", cpr, record)
    turn = 0
    while not stop.is_set():
        say(QUESTIONS_KL[turn % len(QUESTIONS_KL)])
        turn += 1


# ---------------------------------------------------------------------- the test
def until(check: Any, *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def applications(topology: Topology) -> list[dict[str, Any]]:
    env = topology.cluster.instance_env("web1")
    result = subprocess.run(
        [str(INISSIAQ), "applications", "list", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def readiness(url: str) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(url + "/readyz", timeout=5)
    except httpx.HTTPError:
        return 0, {}
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


def kill_and_wait(topology: Topology, victim: str, record: Record) -> None:
    """SIGKILL one process under load, let it come back as systemd would, and see turns go on."""
    cluster = topology.cluster
    turns_before = record.turns
    if victim == "redis":
        topology.redis.kill()
        topology.redis.start()  # Restart=always of redis-server.service
        until(
            lambda: http_status(cluster.url("rasa1") + "/webhooks/gateway/health") == 200,
            timeout=60,
            what="Rasa sees Redis again",
        )
    else:
        kill_and_restart(cluster, victim)
        cluster.wait_healthy([victim], timeout=START_TIMEOUT)
    until(lambda: record.turns >= turns_before + 3, timeout=120, what=f"turns after killing {victim}")


def last_working_day() -> date:
    """Today in Nuuk if it is a working day, otherwise the working day before (the test may run on a
    Saturday). Its 09:00 is at most a few hours ahead of the real clock, never days."""
    day = datetime.now(NUUK).date()
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def sunday_before(day: date) -> date:
    return day - timedelta(days=day.weekday() + 1)


def at_nine(day: date) -> datetime:
    """09:00 in Nuuk on `day`, the digest's time."""
    return datetime.combine(day, clock_time(9, 0), tzinfo=NUUK)


def kill_and_restart(cluster: Cluster, name: str) -> None:
    """SIGKILL; the supervisor starts it again as systemd would, with the cluster's environment now."""
    restarts = cluster.restarts.get(name, 0)
    pid = cluster.kill(name, signal.SIGKILL)
    until(lambda: cluster.restarts.get(name, 0) > restarts, timeout=30, what=f"{name} restarted")
    assert cluster.processes[name].pid != pid


def digest_goes_out_once_from_two_workers_one_killed_after_the_claim(topology: Topology) -> None:
    """Both workers start again with their scheduler's clock at 09:00 of a working day (a development
    setting; the applications of the load above are waiting), so both find the digest due at once and
    race for it. Once it is delivered, worker1 is killed and comes back with its clock at 09:00 again.
    After every worker has looked at the slot again, each designated caseworker has exactly one digest
    e-mail and the slot one run."""
    cluster = topology.cluster
    working_day = last_working_day()  # once: the test may run across midnight in Nuuk
    day = working_day.isoformat()
    cluster.extra_env["SCHEDULER_CLOCK_START"] = at_nine(working_day).isoformat()
    for worker in ("worker1", "worker2"):
        kill_and_restart(cluster, worker)
    recipients = sorted(email for _, _, designated, email in DEMO_ACCOUNTS if designated)
    assert recipients

    def digest_runs() -> list[str]:
        return [
            s
            for s in topology.postgres.query("inissiaq", "SELECT slot FROM job_runs WHERE job = 'digest'")
            if s == day
        ]

    def sent_digests() -> list[str]:
        rows = topology.postgres.query(
            "inissiaq", "SELECT recipient FROM outbox_messages WHERE kind = 'digest' AND status = 'sent'"
        )
        return sorted(rows)

    until(lambda: sent_digests() == recipients, timeout=180, what="the digest e-mails sent")
    kill_and_restart(cluster, "worker1")
    cluster.wait_healthy(["worker1", "worker2"], timeout=START_TIMEOUT)
    time.sleep(TICK_SECONDS + 5)  # every worker, the restarted one too, has looked at the slot again
    assert digest_runs() == [day]
    assert sent_digests() == recipients
    for address in recipients:
        mails = topology.smtp.to(address)
        assert len(mails) == 1, f"{len(mails)} digest e-mails to one caseworker"
        assert f"{cluster.public_url}/inbox" in mails[0].get_body(preferencelist=("plain",)).get_content()


def test_processes_killed_under_load_lose_nothing_and_every_turn_is_answered(topology: Topology) -> None:
    cluster = topology.cluster
    record, stop = Record(), threading.Event()
    threads = [
        threading.Thread(target=web_citizen, args=(cluster, cpr, record, stop), daemon=True)
        for cpr in WEB_CITIZENS
    ] + [
        threading.Thread(
            target=sms_citizen, args=(cluster, topology.twilio, number, cpr, record, stop), daemon=True
        )
        for number, cpr in SMS_CITIZENS.items()
    ]
    for thread in threads:
        thread.start()
    try:
        until(lambda: record.turns >= len(threads) * 2, timeout=120, what="the load to start")
        for victim in ("rasa1", "actions1", "web1", "worker1", "redis"):
            kill_and_wait(topology, victim, record)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=200)
    assert not any(thread.is_alive() for thread in threads), "a citizen is still waiting"
    # The services connect as their own roles, never as the tables' owner or a superuser.
    connected = topology.postgres.query(
        "postgres",
        "SELECT DISTINCT datname || ' as ' || usename FROM pg_stat_activity "
        "WHERE datname IN ('inissiaq', 'inissiaq_rasa')",
    )
    assert sorted(connected) == ["inissiaq as inissiaq_app", "inissiaq_rasa as inissiaq_rasa"]

    assert record.violations == [], (
        f"{len(record.violations)} of {record.turns} turns: {record.violations[:5]}"
    )
    everyone = set(WEB_CITIZENS) | set(SMS_CITIZENS.values())
    assert record.pressed_send == everyone
    stored = applications(topology)
    for cpr in everyone:
        mine = [a for a in stored if a["cpr"] == cpr]
        assert len(mine) == 1, f"{len(mine)} applications for one citizen"
        assert mine[0]["reference"] == record.references[cpr]

    # No citizen message was taken twice by Rasa (a web turn is resent with its message id when the web
    # instance handling it dies; SMS turns get an id of Rasa's own, unique).
    taken_twice = topology.postgres.query(
        "inissiaq_rasa",
        "SELECT sender_id FROM events WHERE type_name = 'user' "
        "GROUP BY sender_id, data::json->>'message_id' HAVING count(*) > 1",
    )
    assert taken_twice == []

    # No SMS reached the fake Twilio more often than the outbox holds it: nothing was sent twice.
    with topology.twilio.lock:
        sent = Counter((m["to"], m["body"]) for m in topology.twilio.messages)
    rows = topology.postgres.query(
        "inissiaq", "SELECT json_build_array(recipient, text) FROM outbox_messages WHERE channel = 'sms'"
    )
    queued = Counter(tuple(json.loads(row)) for row in rows)
    assert sent, "no SMS was sent"
    assert {key: n for key, n in sent.items() if n > queued[key]} == {}

    digest_goes_out_once_from_two_workers_one_killed_after_the_claim(topology)

    # PostgreSQL crashes and comes back: readiness fails while it is down, nothing acknowledged is lost.
    acknowledged = set(record.references.values())
    topology.postgres.stop("immediate")
    for web in ("web1", "web2"):
        _, body = until(
            lambda web=web: (r := readiness(cluster.url(web)))[0] == 503 and r,
            timeout=30,
            what=f"{web} not ready",
        )
        assert body.get("database") not in (None, "ok"), body
    assert http_status(cluster.public_url + "/readyz") != 200
    topology.postgres.start()
    for web in ("web1", "web2"):
        until(lambda web=web: readiness(cluster.url(web))[0] == 200, timeout=60, what=f"{web} ready again")
    until(
        lambda: http_status(cluster.public_url + "/readyz") == 200,
        timeout=30,
        what="HAProxy's web backend up",
    )
    assert acknowledged <= {a["reference"] for a in applications(topology)}
