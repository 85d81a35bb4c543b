"""`make cluster`: the production topology on this machine, on loopback ports.

HAProxy (Debian's package) with the repository's deploy/haproxy.cfg in front of two backend web
instances, two backend workers, two Rasa replicas (PostgreSQL tracker store, shared Redis lock store)
and two action servers; PostgreSQL and Redis are the local servers (127.0.0.1:5432, a fresh database
pair dropped at the end; 127.0.0.1:6379, database 7). Migrations run once, `inissiaq db upgrade`,
before any instance starts. A dead process is started again after the RestartSec of its systemd unit
in deploy/systemd, as systemd would. Ctrl-C, SIGTERM or SIGHUP stops all of it.

The failure tests (tests/e2e/test_cluster_failures.py) and `make bench` use `Cluster` with their own
PostgreSQL and Redis; the failure test also with the production roles (`migration_database_url`,
`rasa_user`). Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.stack import ROOT, Stack, _dev_accounts, free_port

DEPLOY = ROOT / "deploy"
HAPROXY_CONFIG = DEPLOY / "haproxy.cfg"
INISSIAQ = ROOT / ".venv-backend" / "bin" / "inissiaq"
KINDS = ("web", "worker", "rasa", "actions")
UNITS = {kind: DEPLOY / "systemd" / f"inissiaq-{kind}@.service" for kind in KINDS}
# The Stack command that each kind's systemd unit runs (the unit's ExecStart, with this tree's venvs).
STACK_COMMAND = {"web": "backend", "worker": "worker", "rasa": "rasa", "actions": "actions"}


def haproxy_binary() -> str:
    for candidate in ("/usr/sbin/haproxy", "/usr/bin/haproxy"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("HAProxy is not installed: run `make haproxy-deps` (Debian's haproxy package)")


def restart_seconds(kind: str) -> float:
    """RestartSec= of the kind's unit file (systemd's default is 100 ms)."""
    match = re.search(r"^RestartSec=(\d+(?:\.\d+)?)(ms|s)?\s*$", UNITS[kind].read_text(), re.MULTILINE)
    if not match:
        return 0.1
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


def process_group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the process group (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # fields[2] is pgrp; utime, stime are fields[11], fields[12]
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def http_status(url: str, timeout: float = 2.0) -> int:
    """The status of GET url, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, urllib.error.URLError):
        return 0


@dataclass
class Cluster:
    """Every process of the topology, supervised: `start()`, `wait_ready()`, `kill(name)`, `stop()`."""

    model: Path
    database_url: str  # the backend's database, as the services' role
    rasa_database: str  # the tracker store's database, on the same server
    redis_url: str
    var_dir: Path
    # The tables' owner, as in production (deploy/roles.sql): set, it migrates and then grants the
    # role of `database_url` its privileges (`inissiaq db grant`); empty, that role migrates itself.
    migration_database_url: str = ""
    rasa_user: str = ""  # the tracker store's own role (RASA_TRACKER_USERNAME); empty: database_url's
    public_port: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    internal_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    _supervising: threading.Event = field(default_factory=threading.Event)
    _supervisor: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        front = {"public": self.public_port or free_port()}
        for name in ("internal", "rasa_front", "actions_front"):
            front[name] = free_port()
        self.ports = {**front, **{name: free_port() for name in self.instance_names()}}

    @staticmethod
    def instance_names() -> list[str]:
        return [f"{kind}{n}" for kind in KINDS for n in (1, 2)]

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['public']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    # ------------------------------------------------------------------ configuration
    def haproxy_env(self) -> dict[str, str]:
        """The variables deploy/haproxy.cfg expands, as deploy/inissiaq.env.example sets them."""
        address = {name: f"127.0.0.1:{port}" for name, port in self.ports.items()}
        return {
            "INISSIAQ_PUBLIC_BIND": address["public"],
            "INISSIAQ_INTERNAL_BIND": address["internal"],
            "INISSIAQ_RASA_BIND": address["rasa_front"],
            "INISSIAQ_ACTIONS_BIND": address["actions_front"],
            "INISSIAQ_HAPROXY_SOCKET": str(self.var_dir / "haproxy.sock"),
            **{
                f"INISSIAQ_{name.upper()}": address[name]
                for name in self.instance_names()
                if "worker" not in name
            },
        }

    def _stack(self, name: str) -> Stack:
        """A Stack whose ports are this instance's, with every service URL through HAProxy."""
        port = self.ports[name]
        kind = name.rstrip("12")
        env = {
            "REDIS_URL": self.redis_url,
            "RASA_URL": self.url("rasa_front"),
            "ACTION_SERVER_URL": self.url("actions_front"),
            "BACKEND_URL": self.url("internal"),
            "PUBLIC_BASE_URL": self.public_url,
            "PROXIES_COUNT": "1",
            "RASA_TRACKER_DB": self.rasa_database,
            **({"RASA_TRACKER_USERNAME": self.rasa_user} if self.rasa_user else {}),
            **self.extra_env,
        }
        return Stack(
            model=self.model,
            database_url=self.database_url,
            var_dir=self.var_dir,
            backend_port=port if kind == "web" else 8000,
            rasa_port=port if kind == "rasa" else 5005,
            actions_port=port if kind == "actions" else 5055,
            worker_port=port if kind == "worker" else 0,
            internal_secret=self.internal_secret,
            extra_env=env,
        )

    def command(self, name: str) -> tuple[list[str], dict[str, str]]:
        if name == "haproxy":
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.haproxy_env()}
            return [haproxy_binary(), "-db", "-f", str(HAPROXY_CONFIG)], env
        kind = name.rstrip("12")
        stack = self._stack(name)
        service = STACK_COMMAND[kind]
        return stack.commands()[service], stack.process_env(service)

    def instance_env(self, name: str) -> dict[str, str]:
        """The environment of one instance (also what the `inissiaq` command needs against this cluster)."""
        return self.command(name)[1]

    def health_url(self, name: str) -> str:
        kind = name.rstrip("12")
        path = {
            "web": "/healthz",
            "worker": "/healthz",
            "rasa": "/webhooks/gateway/health",
            "actions": "/health",
        }[kind]
        return self.url(name) + path

    # ------------------------------------------------------------------ processes
    def migrate(self) -> None:
        """`inissiaq db upgrade`, once, before any instance starts, then `inissiaq db grant` when the
        owner migrates (as inissiaq-migrate.service)."""
        env = self.instance_env("web1")
        steps = [["db", "upgrade"]]
        if self.migration_database_url:
            env["MIGRATION_DATABASE_URL"] = self.migration_database_url
            steps.append(["db", "grant"])
        for step in steps:
            subprocess.run([str(INISSIAQ), *step], cwd=ROOT, env=env, check=True, timeout=300)

    def _spawn(self, name: str) -> None:
        command, env = self.command(name)
        out = open(self.var_dir / f"{name}.log", "ab")
        try:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            out.close()

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.migrate()
        with self._lock:
            for name in ["haproxy", *self.instance_names()]:
                self._spawn(name)
        self._supervising.set()
        self._supervisor = threading.Thread(target=self._supervise, name="cluster-supervisor", daemon=True)
        self._supervisor.start()

    def _supervise(self) -> None:
        """Restart=always: a process that exits is started again after its unit's RestartSec."""
        died: dict[str, float] = {}
        while self._supervising.is_set():
            with self._lock:
                for name, process in list(self.processes.items()):
                    if process.poll() is None:
                        continue
                    delay = 1.0 if name == "haproxy" else restart_seconds(name.rstrip("12"))
                    since = died.setdefault(name, time.monotonic())
                    if time.monotonic() - since >= delay:
                        del died[name]
                        self._spawn(name)
                        # Counted once the new process is in `processes`: a reader of the count sees it.
                        self.restarts[name] = self.restarts.get(name, 0) + 1
            time.sleep(0.1)

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send `sig` to the process (and its group); the supervisor restarts it. Returns the old pid."""
        with self._lock:
            process = self.processes[name]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            return process.pid

    def haproxy_command(self, command: str) -> str:
        """One command to HAProxy's runtime API, e.g. `set server rasa/rasa2 state maint`."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            connection.connect(str(self.var_dir / "haproxy.sock"))
            connection.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        return answer.decode()

    def wait_healthy(self, names: list[str] | None = None, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names or self.instance_names())
        while pending:
            pending = [name for name in pending if http_status(self.health_url(name)) != 200]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"not healthy after {timeout:.0f}s: {', '.join(pending)}; logs in {self.var_dir}"
                )
            time.sleep(0.3)

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Every instance healthy and the public frontend ready (HAProxy sees a ready web instance)."""
        deadline = time.monotonic() + timeout
        self.wait_healthy(timeout=timeout)
        while http_status(self.public_url + "/readyz") != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.public_url}/readyz not 200 after {timeout:.0f}s")
            time.sleep(0.3)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by each running process (its whole process group)."""
        with self._lock:
            return {name: process_group_cpu_seconds(p.pid) for name, p in self.processes.items()}

    def stop(self) -> None:
        self._supervising.clear()
        if self._supervisor is not None:
            self._supervisor.join(5)
        with self._lock:
            processes = list(self.processes.values())
            self.processes.clear()
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


# ---------------------------------------------------------------------- databases (make cluster)
ADMIN_URL = os.environ.get("CLUSTER_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLUSTER_REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/7")


def _admin(statement: str, admin_url: str = ADMIN_URL) -> None:
    """One statement as the PostgreSQL superuser, with psql."""
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", admin_url, "-c", statement], check=True, timeout=60
    )


def create_databases(prefix: str, admin_url: str = ADMIN_URL) -> tuple[str, str]:
    """A fresh backend database and tracker-store database; returns their names."""
    suffix = secrets.token_hex(4)
    names = (f"{prefix}_{suffix}", f"{prefix}_rasa_{suffix}")
    for name in names:
        _admin(f'CREATE DATABASE "{name}"', admin_url)
    return names


def drop_databases(names: tuple[str, ...], admin_url: str = ADMIN_URL) -> None:
    for name in names:
        with contextlib.suppress(subprocess.CalledProcessError):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url)


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def main() -> int:
    model = Path(sys.argv[1])
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _raise_stopped)
    var_dir = ROOT / "var" / "cluster"
    var_dir.mkdir(parents=True, exist_ok=True)
    # The same development caseworker accounts and provider settings as `make run` (var/dev-accounts.env).
    dev_accounts = _dev_accounts(ROOT / "var")
    names = create_databases("inissiaq_cluster")
    admin_base = ADMIN_URL.rsplit("/", 1)[0]
    cluster = Cluster(
        model=model,
        database_url=f"{admin_base}/{names[0]}",
        rasa_database=names[1],
        redis_url=CLUSTER_REDIS_URL,
        var_dir=var_dir,
        public_port=int(os.environ.get("PORT", "0")) or free_port(),
        extra_env={**dev_accounts, "INISSIAQ_MODE": os.environ.get("INISSIAQ_MODE", "development")},
    )
    status = 0
    try:
        print(f"starting the cluster (logs in {var_dir}/)...", flush=True)
        cluster.start()
        cluster.wait_ready(timeout=600)
        print(
            f"\ninissiaq cluster: {cluster.public_url}/  (HAProxy, deploy/haproxy.cfg)\n"
            f"  web instances:  {cluster.url('web1')} {cluster.url('web2')}\n"
            f"  workers:        {cluster.url('worker1')} {cluster.url('worker2')} (health)\n"
            f"  Rasa replicas:  {cluster.url('rasa1')} {cluster.url('rasa2')} (via {cluster.url('rasa_front')})\n"
            f"  action servers: {cluster.url('actions1')} {cluster.url('actions2')}\n"
            f"  PostgreSQL: 127.0.0.1:5432/{names[0]} (+ {names[1]}), Redis: {CLUSTER_REDIS_URL}\n"
            f"  caseworkers:    {cluster.public_url}/inbox/ (admin, caseworker1, caseworker2; password and TOTP "
            "secret in var/dev-accounts.env)\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while True:
            time.sleep(1)
    except (KeyboardInterrupt, Stopped):
        print("\nstopping...", flush=True)
    except Exception as error:  # a start-up failure: say what, stop everything, exit non-zero
        print(f"error: {error}", file=sys.stderr, flush=True)
        status = 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        cluster.stop()
        drop_databases(names)
    return status


if __name__ == "__main__":
    sys.exit(main())
