"""Settings checked when a process starts, so that a bad one stops it at once, by name.

A setting that is wrong in a way only noticed later (a TOTP secret too short for pyotp answered every
caseworker login with a 500) is refused before anything serves. `check(settings)` lists the
problems, each starting with the environment variable it is about; `settings_from_env()` reads the
environment, checks it and exits with status 2 and one line per problem if anything is wrong.

Rules are functions `(settings) -> Iterable[str]`, named "module:function" in two lists (imported
only when checking, so a rule may live beside the code it protects without import cycles):
`CHECKS` hold for every process (the web and worker instances and the `inissiaq` command);
`SERVICE_CHECKS` only for the processes that serve (secrets and production-only requirements). Add one
line per rule.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import importlib
import os
import sys
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, time
from urllib.parse import urlsplit

from backend.config import Settings

CHECKS: list[str] = [
    "backend.settings_check:mode_language_and_level",
    "backend.settings_check:urls",
    "backend.settings_check:numbers",
    "backend.settings_check:mail",
    "backend.settings_check:times",
    "backend.settings_check:totp_secrets",
    "backend.documents.storage:key_problems",
    "backend.documents.storage:s3_problems",
]
SERVICE_CHECKS: list[str] = [
    "backend.settings_check:production_secrets",
    "backend.auth.oidc_settings:problems",
    "backend.documents.storage:production_problems",
]

Check = Callable[[Settings], Iterable[str]]
MODES = ("development", "production")
LANGUAGES = ("kl", "da", "sv")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_TLS = ("none", "starttls", "tls")
DATABASE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "postgresql", "postgres", "postgresql+asyncpg")
REDIS_SCHEMES = ("redis", "rediss", "unix")
MIN_TOTP_BITS = 160  # RFC 4226 recommends 160 bits; pyotp refuses fewer than 128 at the first login
MIN_SECRET_CHARS = 32
# Values that scripts/stack.py gives `make run`; they must never reach production.
DEVELOPMENT_VALUES = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TELEGRAM_BOT_TOKEN": "123456:development-only",
}
# Environment variable of a field where it is not the field's name in capitals.
ENV_NAMES = {
    "mode": "INISSIAQ_MODE",
    "internal_secret": "INISSIAQ_INTERNAL_SECRET",
    "session_secret": "INISSIAQ_SESSION_SECRET",
}
# Read from the environment by the processes themselves, not through Settings.
PROCESS_PORTS = ("WORKER_PORT",)
# Numbers that must be above zero; every other number may be zero (0 turns a limit off) but not less.
POSITIVE = frozenset(
    {
        "port",
        "smtp_port",
        "rasa_timeout_seconds",
        "session_ttl_minutes",
        "citizen_idle_minutes",
        "max_message_chars",
        "outbox_retry_base_seconds",
        "sms_binding_hours",
        "telegram_binding_days",
        "link_ttl_minutes",
        "caseworker_session_ttl_minutes",
        "login_max_failures",
        "login_window_minutes",
        "history_retention_days",
        "draft_retention_days",
        "conversation_retention_days",
        "message_text_retention_days",
        "upload_max_bytes",
        "upload_max_pages",
        "upload_max_pixels",
    }
)


def env_name(field_name: str) -> str:
    return ENV_NAMES.get(field_name, field_name.upper())


def check(settings: Settings, *, service: bool = True) -> list[str]:
    """Every problem with these settings; empty when they are fine."""
    problems: list[str] = []
    for rule in _rules(CHECKS + (SERVICE_CHECKS if service else [])):
        problems.extend(rule(settings))
    return problems


def environment_problems(environ: Mapping[str, str]) -> list[str]:
    """Numbers in the environment that are not numbers (Settings.from_env would stop at the first)."""
    problems = []
    for field in _number_fields():
        name, kind = env_name(field.name), _hints()[field.name]
        value = environ.get(name, "")
        if value and not _parses(kind, value):
            problems.append(f"{name}: {value!r} is not a {'whole ' if kind is int else ''}number")
    for name in PROCESS_PORTS:
        value = environ.get(name, "")
        if value and not (value.isdigit() and 0 <= int(value) <= 65535):
            problems.append(f"{name}: {value!r} is not a port (0-65535)")
    return problems


def settings_from_env(*, service: bool = True) -> Settings:
    """The settings of this process, or exit with status 2 naming every bad setting."""
    problems = environment_problems(os.environ)
    if problems:
        _exit(problems)
    try:
        settings = Settings.from_env()
    except ValueError as error:  # a number not covered by environment_problems
        _exit([f"a setting could not be read: {error}"])
    require_valid(settings, service=service)
    return settings


def require_valid(settings: Settings, *, service: bool = True) -> None:
    problems = check(settings, service=service)
    if problems:
        _exit(problems)


def _exit(problems: list[str]) -> typing.NoReturn:
    lines = "".join(f"  {problem}\n" for problem in problems)
    sys.stderr.write(f"inissiaq: not started, {len(problems)} setting(s) to correct:\n{lines}")
    raise SystemExit(2)


def _rules(names: list[str]) -> list[Check]:
    rules = []
    for name in names:
        module, _, function = name.partition(":")
        rules.append(getattr(importlib.import_module(module), function))
    return rules


# ---------------------------------------------------------------- the rules


def mode_language_and_level(settings: Settings) -> Iterable[str]:
    if settings.mode not in MODES:
        yield f"INISSIAQ_MODE: {settings.mode!r} is not one of {', '.join(MODES)}"
    if settings.default_language not in LANGUAGES:
        yield f"DEFAULT_LANGUAGE: {settings.default_language!r} is not one of {', '.join(LANGUAGES)}"
    if settings.log_level not in LOG_LEVELS:
        yield f"LOG_LEVEL: {settings.log_level!r} is not one of {', '.join(LOG_LEVELS)}"
    if not settings.locales_dir.is_dir():
        yield f"LOCALES_DIR: {str(settings.locales_dir)!r} is not a directory"


def urls(settings: Settings) -> Iterable[str]:
    yield from _web_url("PUBLIC_BASE_URL", settings.public_base_url)
    yield from _web_url("RASA_URL", settings.rasa_url)
    yield from _web_url("MANUAL_FORM_URL", settings.manual_form_url)
    for name, value in (
        ("TWILIO_API_BASE", settings.twilio_api_base),
        ("TELEGRAM_API_BASE", settings.telegram_api_base),
    ):
        if value:
            yield from _web_url(name, value)
    yield from _database_url("DATABASE_URL", settings.database_url)
    if settings.migration_database_url:
        yield from _database_url("MIGRATION_DATABASE_URL", settings.migration_database_url)
    if settings.redis_url and urlsplit(settings.redis_url).scheme not in REDIS_SCHEMES:
        yield f"REDIS_URL: the scheme is not one of {', '.join(REDIS_SCHEMES)}"


def _database_url(name: str, value: str) -> Iterable[str]:
    scheme = value.partition("://")[0]
    if "://" not in value or scheme not in DATABASE_SCHEMES:
        yield f"{name}: the scheme {scheme!r} is not one of {', '.join(DATABASE_SCHEMES)}"
    elif scheme.startswith("sqlite") and not value.partition("://")[2].strip("/"):
        yield f"{name}: a SQLite URL needs a file (sqlite:////path/to/file.db)"


def _web_url(name: str, value: str) -> Iterable[str]:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        yield f"{name}: {value!r} is not a URL"
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        yield f"{name}: {value!r} is not an http(s) URL with a host"


def numbers(settings: Settings) -> Iterable[str]:
    for field in _number_fields():
        value = getattr(settings, field.name)
        name = env_name(field.name)
        if field.name.endswith("port") and not 0 < value <= 65535:
            yield f"{name}: {value} is not a port (1-65535)"
        elif field.name in POSITIVE and not value > 0:
            yield f"{name}: {value} must be above zero"
        elif value < 0:
            yield f"{name}: {value} must not be negative"


def mail(settings: Settings) -> Iterable[str]:
    if settings.smtp_tls not in SMTP_TLS:
        yield f"SMTP_TLS: {settings.smtp_tls!r} is not one of {', '.join(SMTP_TLS)}"
    if "@" not in settings.mail_from:
        yield f"MAIL_FROM: {settings.mail_from!r} is not an e-mail address"


def times(settings: Settings) -> Iterable[str]:
    from backend.messaging.hours import parse_opening_hours

    try:
        hours = parse_opening_hours(settings.opening_hours)
    except ValueError:
        yield (
            f"OPENING_HOURS: {settings.opening_hours!r} is not like "
            "'mon=08:00-15:00;tue=08:00-15:00' (days mon-sun, times HH:MM)"
        )
    else:
        for start, end in hours.values():
            if not start < end:
                yield f"OPENING_HOURS: {start:%H:%M}-{end:%H:%M} ends before it starts"
    try:
        time.fromisoformat(settings.digest_time)
    except ValueError:
        yield f"DIGEST_TIME: {settings.digest_time!r} is not a time such as 09:00"
    if settings.scheduler_clock_start:
        if settings.mode != "development":
            yield "SCHEDULER_CLOCK_START: a development setting; remove it in production"
        try:
            start = datetime.fromisoformat(settings.scheduler_clock_start)
        except ValueError:
            start = None
        if start is None or start.tzinfo is None:
            yield (
                f"SCHEDULER_CLOCK_START: {settings.scheduler_clock_start!r} is not a date-time with its "
                "offset, such as 2026-12-07T09:00:00-02:00"
            )


def totp_secrets(settings: Settings) -> Iterable[str]:
    secret = settings.dev_totp_secret.reveal()
    if secret:
        problem = totp_secret_problem(secret)
        if problem:
            yield f"DEV_TOTP_SECRET: {problem}"


def totp_secret_problem(secret: str) -> str | None:
    """Why a base32 TOTP secret cannot be used, or None."""
    text = secret.strip().upper().rstrip("=")
    try:
        key = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return "not base32 (letters A-Z and digits 2-7)"
    if len(key) * 8 < MIN_TOTP_BITS:
        return (
            f"{len(key) * 8} bits; a TOTP secret needs at least {MIN_TOTP_BITS} "
            f"({MIN_TOTP_BITS // 5} base32 characters)"
        )
    return None


def production_secrets(settings: Settings) -> Iterable[str]:
    if settings.mode != "production":
        return
    for name, secret in (
        ("INISSIAQ_INTERNAL_SECRET", settings.internal_secret),
        ("INISSIAQ_SESSION_SECRET", settings.session_secret),
    ):
        if len(secret.reveal()) < MIN_SECRET_CHARS:
            yield f"{name}: at least {MIN_SECRET_CHARS} characters in production"
    for name, secret in (
        ("DEV_PASSWORD", settings.dev_password),
        ("DEV_TOTP_SECRET", settings.dev_totp_secret),
    ):
        if secret.reveal():
            yield f"{name}: a development setting; remove it in production"
    values = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token.reveal(),
    }
    for name, value in values.items():
        if value == DEVELOPMENT_VALUES[name]:
            yield f"{name}: the development value of `make run`; set the real one in production"
    if urlsplit(settings.public_base_url).scheme != "https":
        yield "PUBLIC_BASE_URL: must be https in production"


def _number_fields() -> list[dataclasses.Field[typing.Any]]:
    return [f for f in dataclasses.fields(Settings) if _hints()[f.name] in (int, float)]


@functools.cache
def _hints() -> dict[str, typing.Any]:
    return typing.get_type_hints(Settings)


def _parses(kind: type, value: str) -> bool:
    try:
        kind(value)
    except ValueError:
        return False
    return True
