"""Start and stop the whole product: backend web and worker, Rasa and the action server.

Used by `make run`, by the end-to-end tests (one stack per test run, on free ports and a fresh
database) and by `make bench`. Standard library only.

`make run` supervises its services like a service manager expects (docs/operations.md, "Processes
and supervision"): it runs `inissiaq db upgrade` first, then starts each service in its own process
group, and stops all of them (SIGTERM to each group, SIGKILL after `STOP_GRACE_SECONDS`) when it
receives SIGTERM, SIGINT or SIGHUP, also when started in the background, where SIGINT arrives
ignored. When a service dies it stops the others and exits with status 1. Each service also gets
SIGTERM from the kernel if this launcher itself is killed (`PR_SET_PDEATHSIG`), so nothing is left
holding a port.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
BACKEND_PY = ROOT / ".venv-backend" / "bin" / "python"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_GRACE_SECONDS = 10.0  # then SIGKILL: everything is gone well within 20 s
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: the child after fork only calls it


def _die_with_parent() -> None:
    """In the child between fork and exec: SIGTERM when the launcher dies, whatever kills it; and
    the default SIGINT handling back (a background launcher inherits it ignored)."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(command: list[str], *, env: dict[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    """A child in its own process group (stopped as a whole by `terminate_groups`). It gets SIGTERM
    when the thread that started it ends, so start services from a thread that lives as long."""
    out = open(log, "ab") if log else None  # the child has its own copy
    try:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only prctl and signal: safe after fork
        )
    finally:
        if out:
            out.close()


def terminate_groups(processes: list[subprocess.Popen[bytes]], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to each process's group, SIGKILL to the groups still there after `grace` seconds."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for process in processes:  # the group may outlive its leader: kill whatever is left of it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def rasa_tracker_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """Rasa's SQL tracker store: a SQLite file beside ours, or the same PostgreSQL server."""
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        rest = database_url.split("://", 1)[1]
        credentials, _, location = rest.rpartition("@")
        user, _, password = credentials.partition(":")
        hostport, _, db = location.partition("/")
        host, _, port = hostport.partition(":")
        return {
            "RASA_TRACKER_DIALECT": "postgresql",
            "RASA_TRACKER_URL": host or "127.0.0.1",
            "RASA_TRACKER_PORT": port or "5432",
            "RASA_TRACKER_DB": db,
            "RASA_TRACKER_USERNAME": user or "postgres",
            "RASA_TRACKER_PASSWORD": password,
        }
    return {
        "RASA_TRACKER_DIALECT": "sqlite",
        "RASA_TRACKER_URL": "",
        "RASA_TRACKER_PORT": "",
        "RASA_TRACKER_DB": str(var_dir / "rasa-tracker.db"),
        "RASA_TRACKER_USERNAME": "",
        "RASA_TRACKER_PASSWORD": "",
    }


@dataclass
class Stack:
    model: Path
    database_url: str
    var_dir: Path
    backend_port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    worker_port: int = 0  # 0: a free loopback port
    eid_port: int = 0  # > 0: a local OpenID provider (tests/oidc/provider.mjs) stands in for eID
    eid_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # shared with that provider
    mode: str = "development"
    internal_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def eid_issuer(self) -> str:
        return f"http://127.0.0.1:{self.eid_port}"

    def eid_env(self, public_base_url: str) -> dict[str, str]:
        """`EID=oidc make run`: the backend logs in through the local OpenID provider (a client secret
        made for this run, loopback only); the provider reads its own OIDC_PROVIDER_* settings."""
        if not self.eid_port:
            return {}
        return {
            "OIDC_ISSUER": self.eid_issuer,
            "OIDC_CLIENT_ID": "inissiaq",
            "OIDC_CLIENT_SECRET": self.eid_secret,
            "OIDC_PROVIDER_PORT": str(self.eid_port),
            "OIDC_PROVIDER_CLIENT_SECRET": self.eid_secret,
            "OIDC_PROVIDER_REDIRECT_URIS": f"{public_base_url}/auth/callback",
            "OIDC_PROVIDER_LOGOUT_URIS": f"{public_base_url}/",
        }

    def eid_processes(self) -> dict[str, list[str]]:
        return {"eid": ["node", str(ROOT / "tests" / "oidc" / "provider.mjs")]} if self.eid_port else {}

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "INISSIAQ_MODE": self.mode,
                "INISSIAQ_INTERNAL_SECRET": self.internal_secret,
                "DATABASE_URL": self.database_url,
                "PORT": str(self.backend_port),
                "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or self.backend_url,
                "RASA_URL": self.rasa_url,
                "BACKEND_URL": self.backend_url,
                "ACTION_SERVER_URL": self.actions_url,
                "SANIC_HOST": "127.0.0.1",
                # Sanic waits this long for open requests and its tasks when stopped (default 15 s;
                # Rasa's tasks take all of it), well within STOP_GRACE_SECONDS.
                "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "3",
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "RASA_TELEMETRY_ENABLED": "false",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "DEV_MEDIA_DIR": str(self.var_dir / "dev-media"),  # the phone simulator's files
            }
        )
        env.update(rasa_tracker_env(self.database_url, self.var_dir))
        env.update(self.eid_env(env["PUBLIC_BASE_URL"]))
        env.update(self.extra_env)
        return env

    def process_env(self, name: str) -> dict[str, str]:
        """The web instance answers requests only; the worker process runs the outbox, the inbound
        queue (the SMS and Telegram bot turns) and the scheduler."""
        env = self.env()
        if name == "backend":
            env["BACKGROUND_WORKERS"] = "0"
        elif name == "worker":
            env["BACKGROUND_WORKERS"] = "1"
            env["WORKER_PORT"] = str(self.worker_port)
        return env

    def commands(self) -> dict[str, list[str]]:
        return {
            # rasa-sdk behind the internal secret (bot/action_server.py), on loopback.
            "actions": [
                str(RASA_PY),
                "-m",
                "bot.action_server",
                "--actions",
                "actions",
                "-p",
                str(self.actions_port),
            ],
            "backend": [str(BACKEND_PY), "-m", "backend.serve"],
            "worker": [str(BACKEND_PY), "-m", "backend.worker"],
            **self.eid_processes(),
            "rasa": [
                str(RASA),
                "run",
                "-i",
                "127.0.0.1",
                "-p",
                str(self.rasa_port),
                "--model",
                str(self.model),
                "--credentials",
                "bot/credentials.yml",
                "--endpoints",
                "bot/endpoints.yml",
                "--response-timeout",
                "30",
            ],
        }

    def migrate(self) -> None:
        """`inissiaq db upgrade`: the deployment step before any service starts (they never migrate)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.var_dir / "migrate.log", "ab") as log:
            result = subprocess.run(
                [str(BACKEND_PY), "-m", "backend.cli", "db", "upgrade"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                timeout=600,
                check=False,
            )
        if result.returncode != 0:
            raise RuntimeError(
                f"inissiaq db upgrade failed ({result.returncode}); see {self.var_dir}/migrate.log"
            )

    def start(self, *, logs_to_files: bool = True, migrate: bool = True) -> None:
        if migrate:
            self.migrate()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.worker_port:
            self.worker_port = free_port()
        for name in self.commands():
            self.start_service(name, log=logs_to_files)

    def start_service(self, name: str, *, log: bool = True) -> None:
        self.processes[name] = spawn(
            self.commands()[name],
            env=self.process_env(name),
            log=self.var_dir / f"{name}.log" if log else None,
        )

    def health_urls(self) -> dict[str, str]:
        """Each service's readiness: the backend's answers 200 only when its database is at head
        and Rasa is ready; Rasa's only when its tracker store and lock store answer."""
        return {
            "backend": f"{self.backend_url}/readyz",
            "worker": f"http://127.0.0.1:{self.worker_port}/readyz",
            "actions": f"{self.actions_url}/health",
            "rasa": f"{self.rasa_url}/webhooks/gateway/health",
            **({"eid": f"{self.eid_issuer}/.well-known/openid-configuration"} if self.eid_port else {}),
        }

    def exited(self) -> dict[str, int]:
        """The services that have stopped, with their exit status."""
        return {name: code for name, p in self.processes.items() if (code := p.poll()) is not None}

    def not_ready(self) -> list[str]:
        """The services whose readiness check does not answer 200 yet (one check each)."""
        pending = []
        for name, url in self.health_urls().items():
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        continue
            except (OSError, urllib.error.URLError):
                pass
            pending.append(name)
        return pending

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if dead := self.exited():
                name, code = next(iter(dead.items()))
                raise RuntimeError(f"{name} exited with {code}; see {self.var_dir}/{name}.log")
            pending = self.not_ready()
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"not ready after {timeout:.0f}s: {', '.join(pending)}; logs in {self.var_dir}"
                )
            time.sleep(0.5)

    def stop(self) -> None:
        terminate_groups(list(self.processes.values()))
        self.processes.clear()

    def restart(self, name: str) -> None:
        """Stop and start one service (tests of restarts and of a service being down)."""
        terminate_groups([self.processes[name]])
        self.start_service(name)


def main() -> int:
    """`make run`: train if needed, migrate, start everything on the development defaults and
    supervise it until a stop signal or a service's death.

    Ports and places come from the environment, with these defaults: PORT 8000, RASA_PORT 5005,
    ACTIONS_PORT 5055, WORKER_PORT (a free port), EID_PORT 8090 (with EID=oidc), INISSIAQ_VAR_DIR
    (var/: logs, the SQLite files, generated development secrets), DATABASE_URL (SQLite under it).
    """
    received: list[int] = []

    def stop_requested(signum: int, _frame: object) -> None:
        received.append(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop_requested)
    var_dir = Path(os.environ.get("INISSIAQ_VAR_DIR") or ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else _train(var_dir, received)
    if model is None:
        return 0
    port = int(os.environ.get("PORT", "8000"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'inissiaq.db'}"
    secret_file = var_dir / "internal-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    dev_accounts = _dev_accounts(var_dir)
    stack = Stack(
        model=model,
        database_url=database_url,
        var_dir=var_dir,
        extra_env=dev_accounts,
        eid_port=int(os.environ.get("EID_PORT", "8090")) if os.environ.get("EID") == "oidc" else 0,
        backend_port=port,
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        worker_port=int(os.environ.get("WORKER_PORT", "0")),
        mode=os.environ.get("INISSIAQ_MODE", "development"),
        internal_secret=os.environ.get("INISSIAQ_INTERNAL_SECRET") or secret_file.read_text().strip(),
    )
    print(
        f"starting... (logs in {var_dir}/migrate.log, backend.log, worker.log, rasa.log, actions.log)",
        flush=True,
    )
    return supervise(stack, received, on_ready=lambda: _announce(stack, database_url, dev_accounts))


def supervise(
    stack: Stack, received: list[int], *, on_ready: Callable[[], None], timeout: float = 600.0
) -> int:
    """Migrate, start, and watch the services until a stop signal lands in `received` (0) or a
    service exits or is not ready in time (1); every service is stopped before this returns."""
    try:
        try:
            stack.migrate()
        except RuntimeError as error:
            print(error, file=sys.stderr, flush=True)
            return 0 if received else 1
        if received:
            return 0
        stack.start(migrate=False)
        deadline = time.monotonic() + timeout
        ready = False
        while not received:
            if dead := stack.exited():
                names = ", ".join(f"{name} (exit status {code})" for name, code in dead.items())
                print(
                    f"stopping everything: {names} stopped; see {stack.var_dir}/*.log",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            if not ready and not stack.not_ready():
                ready = True
                on_ready()
            if not ready and time.monotonic() > deadline:
                print(
                    f"stopping everything: not ready after {timeout:.0f} s: {', '.join(stack.not_ready())}",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.5)
        print(f"\nstopping ({signal.Signals(received[0]).name})...", flush=True)
        return 0
    finally:
        stack.stop()


def _train(var_dir: Path, received: list[int]) -> Path | None:
    """`scripts/model.py train` (Rasa's environment) under the same supervision: a stop signal
    during a training stops it too. None when stopped."""
    path_file = var_dir / "model-path.txt"  # the trainer's stdout; its progress goes to stderr
    with open(path_file, "wb") as out:
        trainer = subprocess.Popen(
            [str(RASA_PY), "scripts/model.py", "train"],
            cwd=ROOT,
            stdout=out,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only prctl and signal: safe after fork
        )
    try:
        while trainer.poll() is None:
            if received:
                return None
            time.sleep(0.5)
    finally:
        terminate_groups([trainer])
    lines = path_file.read_text().split()
    if trainer.returncode != 0 or not lines:
        raise SystemExit(f"training the model failed (exit status {trainer.returncode})")
    return Path(lines[-1])


def _announce(stack: Stack, database_url: str, dev_accounts: dict[str, str]) -> None:
    print(
        f"\ninissiaq is running ({stack.mode} mode, database {database_url.split('://')[0]})\n"
        f"  citizens:     {stack.backend_url}/\n"
        f"  test login:   {stack.backend_url}/auth/dev\n"
        f"  caseworkers:  {stack.backend_url}/inbox/\n"
        f"  dev outbox:   {stack.backend_url}/dev/outbox\n"
        f"  SMS simulator: {stack.backend_url}/dev/phone\n"
        f"  Rasa (loopback only): {stack.rasa_url}   action server: {stack.actions_url}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    if stack.eid_port:
        print(
            f"  eID login:    {stack.backend_url}/auth/login (the local OpenID provider at {stack.eid_issuer})",
            flush=True,
        )
    if stack.mode == "development":
        print(
            "\nDevelopment caseworker accounts (development mode only): admin, caseworker1, caseworker2\n"
            f"  password: {dev_accounts['DEV_PASSWORD']}   TOTP secret (base32): {dev_accounts['DEV_TOTP_SECRET']}\n"
            f"Telegram webhook secret: {dev_accounts['TELEGRAM_WEBHOOK_SECRET']}   "
            f"Twilio auth token: {dev_accounts['TWILIO_AUTH_TOKEN']} (both in var/dev-accounts.env)",
            flush=True,
        )


def _dev_accounts(var_dir: Path) -> dict[str, str]:
    """DEV_PASSWORD and DEV_TOTP_SECRET from the environment, else generated once and kept in var/."""
    stored = var_dir / "dev-accounts.env"
    values: dict[str, str] = {}
    if stored.exists():
        values = dict(line.split("=", 1) for line in stored.read_text().splitlines() if "=" in line)
    values.setdefault("DEV_PASSWORD", secrets.token_urlsafe(12))
    values.setdefault("DEV_TOTP_SECRET", base64.b32encode(secrets.token_bytes(20)).decode())
    values.update({key: value for key, value in DEV_PROVIDER_DEFAULTS.items() if key not in values})
    values.setdefault("TWILIO_AUTH_TOKEN", secrets.token_hex(16))
    values.setdefault("TELEGRAM_WEBHOOK_SECRET", secrets.token_urlsafe(24))
    stored.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    stored.chmod(0o600)
    for key in values:
        values[key] = os.environ.get(key) or values[key]
    return values


# Development defaults for the providers: the webhooks check signatures and secrets exactly as in
# production, while the outbox's development sink (GET /dev/outbox) stands in for Twilio and Telegram.
DEV_PROVIDER_DEFAULTS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_FROM_NUMBER": "+299321000",
    "TELEGRAM_BOT_TOKEN": "123456:development-only",
}


if __name__ == "__main__":
    sys.exit(main())
