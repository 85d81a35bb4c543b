"""Settings are checked when a process starts: each bad one is named, and the process stops at once."""

from __future__ import annotations

import base64
import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.config import Secret, Settings
from backend.settings_check import (
    CHECKS,
    SERVICE_CHECKS,
    check,
    environment_problems,
    require_valid,
    settings_from_env,
)
from scripts.stack import DEV_PROVIDER_DEFAULTS, ROOT, Stack, _dev_accounts, free_port

TOTP_160 = base64.b32encode(b"k" * 20).decode()  # 32 characters
TOTP_80 = "JBSWY3DPEHPK3PXP"  # 16 characters: pyotp refuses it at the first login (a 500 before)


def development(**changes: Any) -> Settings:
    return dataclasses.replace(Settings(mode="development", dev_totp_secret=Secret(TOTP_160)), **changes)


def production(**changes: Any) -> Settings:
    ready = Settings(
        mode="production",
        public_base_url="https://boligsikring.example.gl",
        internal_secret=Secret("i" * 32),
        session_secret=Secret("s" * 32),
        oidc_issuer="https://eid.example.gl",  # production needs eID (backend.auth.oidc_settings)
        oidc_client_id="inissiaq",
        oidc_client_secret=Secret("an-eid-client-secret"),
        documents_key=Secret("ZG9jdW1lbnRzLWtleS1vZi0zMi1ieXRlcy1sb25nLi4="),  # 32 bytes, base64
    )
    return dataclasses.replace(ready, **changes)


def problems_naming(settings: Settings, *, service: bool = True) -> list[str]:
    return [problem.split(":", 1)[0] for problem in check(settings, service=service)]


def test_the_development_and_a_complete_production_configuration_pass() -> None:
    assert check(development()) == []
    assert check(production()) == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"dev_totp_secret": Secret(TOTP_80)}, "DEV_TOTP_SECRET"),
        ({"dev_totp_secret": Secret("not base32 at all!")}, "DEV_TOTP_SECRET"),
        ({"dev_totp_secret": Secret(TOTP_160[:-1] + "1")}, "DEV_TOTP_SECRET"),  # 1 is not base32
        ({"mode": "prod"}, "INISSIAQ_MODE"),
        ({"default_language": "en"}, "DEFAULT_LANGUAGE"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
        ({"locales_dir": Path("/nonexistent/locales")}, "LOCALES_DIR"),
        ({"public_base_url": "127.0.0.1:8000"}, "PUBLIC_BASE_URL"),
        ({"public_base_url": "http://host:99999"}, "PUBLIC_BASE_URL"),
        ({"rasa_url": "ftp://127.0.0.1:5005"}, "RASA_URL"),
        ({"rasa_url": "http://"}, "RASA_URL"),
        ({"manual_form_url": "sullissivik.gl/Forms"}, "MANUAL_FORM_URL"),
        ({"twilio_api_base": "localhost:9999"}, "TWILIO_API_BASE"),
        ({"telegram_api_base": "https//api.telegram.org"}, "TELEGRAM_API_BASE"),
        ({"database_url": "mysql://db/inissiaq"}, "DATABASE_URL"),
        ({"database_url": "/var/inissiaq.db"}, "DATABASE_URL"),
        ({"database_url": "sqlite://"}, "DATABASE_URL"),
        ({"migration_database_url": "mysql://db/inissiaq"}, "MIGRATION_DATABASE_URL"),
        ({"redis_url": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"port": 0}, "PORT"),
        ({"port": 70000}, "PORT"),
        ({"smtp_port": -25}, "SMTP_PORT"),
        ({"rasa_timeout_seconds": 0.0}, "RASA_TIMEOUT_SECONDS"),
        ({"session_ttl_minutes": 0}, "SESSION_TTL_MINUTES"),
        ({"sms_binding_hours": -1}, "SMS_BINDING_HOURS"),
        ({"history_retention_days": 0}, "HISTORY_RETENTION_DAYS"),
        ({"register_delay_ms": -5}, "REGISTER_DELAY_MS"),
        ({"notification_window_minutes": -1}, "NOTIFICATION_WINDOW_MINUTES"),
        ({"smtp_tls": "ssl"}, "SMTP_TLS"),
        ({"mail_from": "boligsikring"}, "MAIL_FROM"),
        ({"opening_hours": "mon=8-15"}, "OPENING_HOURS"),
        ({"opening_hours": "monday=08:00-15:00;xyz=08:00-15:00"}, "OPENING_HOURS"),
        ({"opening_hours": "mon=15:00-08:00"}, "OPENING_HOURS"),
        ({"digest_time": "9 o'clock"}, "DIGEST_TIME"),
        ({"digest_time": "25:00"}, "DIGEST_TIME"),
        ({"scheduler_clock_start": "Monday 9 o'clock"}, "SCHEDULER_CLOCK_START"),
        ({"scheduler_clock_start": "2026-12-07T09:00:00"}, "SCHEDULER_CLOCK_START"),  # no offset
    ],
)
def test_each_bad_setting_is_named(changes: dict[str, Any], named: str) -> None:
    assert problems_naming(development(**changes)) == [named]


def test_zero_is_allowed_where_it_means_off_or_none() -> None:
    assert check(development(register_delay_ms=0, notification_window_minutes=0)) == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"internal_secret": Secret("")}, "INISSIAQ_INTERNAL_SECRET"),
        ({"internal_secret": Secret("x" * 31)}, "INISSIAQ_INTERNAL_SECRET"),
        ({"session_secret": Secret("")}, "INISSIAQ_SESSION_SECRET"),
        ({"dev_password": Secret("e2e-Caseworker-pa55")}, "DEV_PASSWORD"),
        ({"dev_totp_secret": Secret(TOTP_160)}, "DEV_TOTP_SECRET"),
        ({"scheduler_clock_start": "2026-12-07T09:00:00-02:00"}, "SCHEDULER_CLOCK_START"),
        ({"public_base_url": "http://boligsikring.example.gl"}, "PUBLIC_BASE_URL"),
        ({"twilio_account_sid": DEV_PROVIDER_DEFAULTS["TWILIO_ACCOUNT_SID"]}, "TWILIO_ACCOUNT_SID"),
        (
            {"telegram_bot_token": Secret(DEV_PROVIDER_DEFAULTS["TELEGRAM_BOT_TOKEN"])},
            "TELEGRAM_BOT_TOKEN",
        ),
    ],
)
def test_production_refuses_missing_short_and_development_secrets(
    changes: dict[str, Any], named: str
) -> None:
    assert problems_naming(production(**changes)) == [named]


def test_the_command_line_does_not_need_the_services_secrets_but_still_well_formed_settings() -> None:
    assert check(production(internal_secret=Secret(""), session_secret=Secret("")), service=False) == []
    assert problems_naming(production(digest_time="nine"), service=False) == ["DIGEST_TIME"]


def test_problems_never_show_a_secret_or_a_database_password() -> None:
    text = "\n".join(
        check(
            production(
                internal_secret=Secret("short-internal"),
                dev_totp_secret=Secret("SHORTSECRET234"),
                database_url="mysql://user:hunter2@db/x",
            )
        )
    )
    assert "short-internal" not in text and "SHORTSECRET234" not in text and "hunter2" not in text


def test_every_rule_is_importable_by_its_name() -> None:
    for name in CHECKS + SERVICE_CHECKS:
        module, _, function = name.partition(":")
        assert callable(getattr(__import__(module, fromlist=[function]), function)), name


def test_numbers_that_are_not_numbers_are_all_named() -> None:
    environ = {"PORT": "80a", "RASA_TIMEOUT_SECONDS": "soon", "SMS_BINDING_HOURS": "24", "WORKER_PORT": "x"}
    assert [p.split(":")[0] for p in environment_problems(environ)] == [
        "PORT",
        "RASA_TIMEOUT_SECONDS",
        "WORKER_PORT",
    ]


def test_settings_from_env_exits_with_status_2_and_one_line_per_problem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INISSIAQ_MODE", "development")
    monkeypatch.setenv("DEV_TOTP_SECRET", TOTP_80)
    monkeypatch.setenv("SMTP_TLS", "ssl")
    with pytest.raises(SystemExit) as stopped:
        settings_from_env()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "2 setting(s) to correct" in err
    assert "  DEV_TOTP_SECRET: 80 bits; a TOTP secret needs at least 160" in err
    assert "  SMTP_TLS: 'ssl' is not one of none, starttls, tls" in err


def test_require_valid_passes_good_settings_silently() -> None:
    require_valid(development())


def test_the_settings_make_run_gives_the_backend_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stack = Stack(model=tmp_path / "m.tar.gz", database_url=f"sqlite:///{tmp_path}/x.db", var_dir=tmp_path)
    stack.extra_env = _dev_accounts(tmp_path)  # what scripts/stack.py's main passes
    for name in ("backend", "worker"):
        for key in list(os.environ):
            monkeypatch.delenv(key)
        for key, value in stack.process_env(name).items():
            monkeypatch.setenv(key, value)
        assert check(settings_from_env()) == []


def test_starting_the_backend_with_a_short_totp_secret_stops_at_once_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "never-created.db"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "INISSIAQ_MODE": "development",
        "INISSIAQ_INTERNAL_SECRET": "dev-secret",
        "DATABASE_URL": f"sqlite:///{database}",
        "PORT": str(free_port()),
        "DEV_TOTP_SECRET": TOTP_80,
    }
    for module in ("backend.serve", "backend.worker"):
        result = subprocess.run(
            [sys.executable, "-m", module], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2, (module, result.stderr)
        assert "DEV_TOTP_SECRET: 80 bits" in result.stderr, module
        assert TOTP_80 not in result.stderr
        assert not database.exists()  # stopped before migrating or connecting


def test_a_command_with_a_bad_setting_stops_before_it_runs(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.db'}",
        "DIGEST_TIME": "nine",
    }
    inissiaq = Path(sys.executable).parent / "inissiaq"
    result = subprocess.run(
        [str(inissiaq), "applications", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "DIGEST_TIME: 'nine' is not a time" in result.stderr
    assert not (tmp_path / "never-created.db").exists()
