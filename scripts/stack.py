"""Start and stop the whole product: backend, Rasa and the action server.

Used by `make run` (in the foreground, Ctrl-C stops all), by the end-to-end tests (one stack per
test run, on free ports and a fresh database) and by `make bench`. Standard library only.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND_PY = ROOT / ".venv-backend" / "bin" / "python"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "RASA_TELEMETRY_ENABLED": "false",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
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

    def start(self, *, logs_to_files: bool = True) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.worker_port:
            self.worker_port = free_port()
        for name, command in self.commands().items():
            out = open(self.var_dir / f"{name}.log", "ab") if logs_to_files else None
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.process_env(name),
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )

    def health_urls(self) -> dict[str, str]:
        return {
            "backend": f"{self.backend_url}/healthz",
            "worker": f"http://127.0.0.1:{self.worker_port}/healthz",
            "actions": f"{self.actions_url}/health",
            "rasa": f"{self.rasa_url}/webhooks/gateway/health",
            **({"eid": f"{self.eid_issuer}/.well-known/openid-configuration"} if self.eid_port else {}),
        }

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        pending = dict(self.health_urls())
        while pending:
            for name, url in list(pending.items()):
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}; see {self.var_dir}/{name}.log"
                    )
                with contextlib.suppress(OSError, urllib.error.URLError):
                    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                        if response.status == 200:
                            del pending[name]
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"not ready after {timeout:.0f}s: {', '.join(pending)}; logs in {self.var_dir}"
                )
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()

    def restart(self, name: str) -> None:
        """Stop and start one service (tests of restarts and of a service being down)."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        out = open(self.var_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            self.commands()[name],
            cwd=ROOT,
            env=self.process_env(name),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def main() -> None:
    """`make run`: start everything on the embedded defaults and wait for Ctrl-C."""
    model = Path(sys.argv[1])
    var_dir = ROOT / "var"
    port = int(os.environ.get("PORT", "8000"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'inissiaq.db'}"
    secret_file = var_dir / "internal-secret"
    var_dir.mkdir(exist_ok=True)
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
        mode=os.environ.get("INISSIAQ_MODE", "development"),
        internal_secret=os.environ.get("INISSIAQ_INTERNAL_SECRET") or secret_file.read_text().strip(),
    )
    stack.start(logs_to_files=True)
    try:
        print(f"starting... (logs in {var_dir}/backend.log, worker.log, rasa.log, actions.log)", flush=True)
        stack.wait_ready()
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
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        dead = [n for n, p in stack.processes.items() if p.poll() is not None]
        print(f"stopped because {', '.join(dead)} exited; see var/*.log", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        stack.stop()


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
    main()
