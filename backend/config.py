"""Settings, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Development only: how the phone simulator names the files it sends. The providers' stand-ins answer
# under these paths of the backend (backend/channels/dev_media.py), a simulated Telegram file id starts
# with the prefix, and the development media client (backend/clients/dev_media.py) recognises both.
DEV_TWILIO_STAND_IN = "/dev/twilio"
DEV_TELEGRAM_STAND_IN = "/dev/telegram"
DEV_FILE_ID_PREFIX = "dev-"


class Secret(str):
    """A string that never shows itself in repr or logs."""

    def __repr__(self) -> str:
        return "Secret('**********')"

    def reveal(self) -> str:
        return str.__str__(self)


def async_database_url(url: str) -> str:
    """Map a plain SQLAlchemy URL (sqlite:///, postgresql://) to its async driver."""
    if url.startswith("sqlite:///") or url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def rasa_tracker_url_from_env() -> str:
    """Rasa's tracker store as a database URL, from the RASA_TRACKER_* variables Rasa reads itself
    (bot/endpoints.yml); without them Rasa's default SQLite file under var/."""
    from urllib.parse import quote

    dialect = _env("RASA_TRACKER_DIALECT", "sqlite")
    database = _env("RASA_TRACKER_DB", str(REPO_ROOT / "var" / "rasa-tracker.db"))
    if dialect == "sqlite":
        return f"sqlite:///{database}"
    user = quote(_env("RASA_TRACKER_USERNAME", ""), safe="")
    password = quote(_env("RASA_TRACKER_PASSWORD", ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host, port = _env("RASA_TRACKER_URL", "127.0.0.1"), _env("RASA_TRACKER_PORT", "5432")
    return f"{dialect}://{credentials}{host}:{port}/{database}"


@dataclass(frozen=True)
class Settings:
    mode: str = "production"  # "development" enables the dev login, dev sinks and demo caseworkers
    port: int = 8000
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'inissiaq.db'}"
    # The tables' owner, for `inissiaq db upgrade` and `db grant` only; empty: DATABASE_URL (development).
    # In production DATABASE_URL is the application's role, which may only append to the audit log.
    migration_database_url: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 20.0
    internal_secret: Secret = field(default_factory=lambda: Secret(""))
    session_secret: Secret = field(default_factory=lambda: Secret(""))
    session_ttl_minutes: int = 60
    citizen_idle_minutes: int = 15  # a logged-in citizen's session ends after this long without activity
    default_language: str = "kl"
    manual_form_url: str = "https://www.sullissivik.gl/Forms/Boligsikring"
    locales_dir: Path = REPO_ROOT / "locales"
    timezone: str = "America/Nuuk"
    register_delay_ms: int = 0  # artificial latency of the demo registers (tests of slow turns)
    max_message_chars: int = 2000
    redis_url: str = ""
    log_level: str = "INFO"  # LOG_LEVEL; Rasa reads the same variable
    # Providers (issue 3/4); empty means "use the development sink" in development mode.
    twilio_account_sid: str = ""
    twilio_auth_token: Secret = field(default_factory=lambda: Secret(""))
    twilio_from_number: str = ""
    twilio_api_base: str = ""  # tests point the real twilio client at a local fake
    telegram_bot_token: Secret = field(default_factory=lambda: Secret(""))
    telegram_webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    telegram_api_base: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: Secret = field(default_factory=lambda: Secret(""))
    smtp_tls: str = "none"  # none | starttls | tls
    mail_from: str = "boligsikring@kommune.example.gl"
    background_workers: bool = True  # outbox worker and scheduler inside the backend process
    outbox_retry_base_seconds: float = 2.0  # backoff 2, 4, 8 ... s after temporary provider failures
    sms_binding_hours: int = 24  # how long a phone stays bound after the one-time link login
    telegram_binding_days: int = 30
    link_ttl_minutes: int = 15
    municipality_contact: str = "Sullissivik.gl, +299 34 50 00"  # in SMS HELP answers
    # Caseworkers' side (issue 4)
    caseworker_session_ttl_minutes: int = 480
    login_max_failures: int = 5  # per username and per address within the window
    login_window_minutes: int = 15
    # Weekday opening hours of live handoff, Greenland time: "mon=08:00-15:00;...;fri=08:00-14:00"
    opening_hours: str = "mon=08:00-15:00;tue=08:00-15:00;wed=08:00-15:00;thu=08:00-15:00;fri=08:00-14:00"
    notification_window_minutes: int = 15  # messages within this window share one notification
    digest_time: str = "09:00"  # local time (America/Nuuk), Monday to Friday on working days
    # Development only: the scheduler's clock starts at this ISO date-time when the process starts
    # (to try the digest or the purge at a chosen moment); empty: the real clock.
    scheduler_clock_start: str = ""
    history_retention_days: int = 730  # purge: taken-over/decided applications, messages, audit
    draft_retention_days: int = 30  # an unsent draft is purged this long after its last answer
    conversation_retention_days: int = 30  # an idle conversation nothing refers to; Rasa's tracker events
    message_text_retention_days: int = 7  # SMS/Telegram/e-mail texts after delivery (the record stays)
    rasa_tracker_url: Secret = field(default_factory=lambda: Secret(""))  # Rasa's tracker store; empty: none
    dev_password: Secret = field(default_factory=lambda: Secret(""))
    dev_totp_secret: Secret = field(default_factory=lambda: Secret(""))
    # Development only: the files the phone simulator sends by MMS or Telegram, until fetched
    dev_media_dir: Path = REPO_ROOT / "var" / "dev-media"
    # eID over OpenID Connect (backend/auth/oidc*.py, README "Production"); no issuer: no eID login
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: Secret = field(default_factory=lambda: Secret(""))
    oidc_private_key_file: str = ""  # PEM; set: private_key_jwt client authentication
    oidc_token_auth_method: str = ""  # client_secret_basic | client_secret_post | private_key_jwt
    oidc_scopes: str = "openid"
    oidc_cpr_claim: str = "dk.cpr"
    oidc_loa_claim: str = "acr"
    oidc_min_loa: str = "substantial"  # low | substantial | high, or a comma-separated list of values
    oidc_acr_values: str = ""
    oidc_post_logout_redirect: str = ""
    # Abuse limits (backend/limits): hits per fixed window, shared by every instance; 0 turns one off.
    chat_messages_per_minute: int = 20  # per web session (chat messages and resumes)
    new_sessions_per_minute: int = 10  # new anonymous chat sessions per client address
    inbound_turns_per_minute: int = 10  # SMS/Telegram bot turns per phone number or chat
    handoffs_per_day: int = 5  # live-handoff requests per person (or conversation, anonymous)
    citizen_messages_per_day: int = 20  # secure messages from a citizen to the municipality
    applications_per_day: int = 10  # applications started (a draft prepared) per person
    # The client address behind a reverse proxy (Sanic's own settings); empty/0 trusts no header.
    forwarded_secret: Secret = field(default_factory=lambda: Secret(""))
    proxies_count: int = 0
    real_ip_header: str = ""
    # Documents from citizens (backend/documents): checks, storage encrypted at rest, malware scan.
    documents_dir: Path = REPO_ROOT / "var" / "documents"
    documents_key: Secret = field(default_factory=lambda: Secret(""))  # base64 of 32 bytes (AES-256-GCM)
    documents_storage: str = "filesystem"  # or "s3": the bucket below, on any S3-compatible store
    s3_endpoint_url: str = ""  # https://s3.example.gl (the server alone; path-style addresses)
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: Secret = field(default_factory=lambda: Secret(""))
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_pages: int = 30
    upload_max_pixels: int = 40_000_000
    clamd_socket: str = ""  # ClamAV's clamd: a Unix socket path, or
    clamd_address: str = ""  # host:port; neither set: files are stored as "not scanned"

    @property
    def development(self) -> bool:
        return self.mode == "development"

    @property
    def async_database_url(self) -> str:
        return async_database_url(self.database_url)

    @property
    def owner_database_url(self) -> str:
        """The database as the tables' owner: MIGRATION_DATABASE_URL, else DATABASE_URL."""
        return self.migration_database_url or self.database_url

    @classmethod
    def from_env(cls) -> Settings:
        port = int(_env("PORT", "8000"))
        defaults = cls()
        return cls(
            mode=_env("INISSIAQ_MODE", defaults.mode),
            port=port,
            database_url=_env("DATABASE_URL", defaults.database_url),
            migration_database_url=_env("MIGRATION_DATABASE_URL", ""),
            public_base_url=_env("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            rasa_url=_env("RASA_URL", defaults.rasa_url).rstrip("/"),
            rasa_timeout_seconds=float(_env("RASA_TIMEOUT_SECONDS", str(defaults.rasa_timeout_seconds))),
            internal_secret=Secret(_env("INISSIAQ_INTERNAL_SECRET", "")),
            session_secret=Secret(_env("INISSIAQ_SESSION_SECRET", "")),
            session_ttl_minutes=int(_env("SESSION_TTL_MINUTES", str(defaults.session_ttl_minutes))),
            citizen_idle_minutes=int(_env("CITIZEN_IDLE_MINUTES", str(defaults.citizen_idle_minutes))),
            default_language=_env("DEFAULT_LANGUAGE", defaults.default_language),
            manual_form_url=_env("MANUAL_FORM_URL", defaults.manual_form_url),
            locales_dir=Path(_env("LOCALES_DIR", str(defaults.locales_dir))),
            register_delay_ms=int(_env("REGISTER_DELAY_MS", "0")),
            redis_url=_env("REDIS_URL", ""),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
            twilio_account_sid=_env("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=Secret(_env("TWILIO_AUTH_TOKEN", "")),
            twilio_from_number=_env("TWILIO_FROM_NUMBER", ""),
            twilio_api_base=_env("TWILIO_API_BASE", ""),
            telegram_bot_token=Secret(_env("TELEGRAM_BOT_TOKEN", "")),
            telegram_webhook_secret=Secret(_env("TELEGRAM_WEBHOOK_SECRET", "")),
            telegram_api_base=_env("TELEGRAM_API_BASE", ""),
            smtp_host=_env("SMTP_HOST", ""),
            smtp_port=int(_env("SMTP_PORT", "25")),
            smtp_username=_env("SMTP_USERNAME", ""),
            smtp_password=Secret(_env("SMTP_PASSWORD", "")),
            smtp_tls=_env("SMTP_TLS", "none"),
            mail_from=_env("MAIL_FROM", defaults.mail_from),
            background_workers=_env("BACKGROUND_WORKERS", "1") == "1",
            outbox_retry_base_seconds=float(_env("OUTBOX_RETRY_BASE_SECONDS", "2")),
            sms_binding_hours=int(_env("SMS_BINDING_HOURS", "24")),
            telegram_binding_days=int(_env("TELEGRAM_BINDING_DAYS", "30")),
            link_ttl_minutes=int(_env("LINK_TTL_MINUTES", "15")),
            municipality_contact=_env("MUNICIPALITY_CONTACT", defaults.municipality_contact),
            caseworker_session_ttl_minutes=int(_env("CASEWORKER_SESSION_TTL_MINUTES", "480")),
            login_max_failures=int(_env("LOGIN_MAX_FAILURES", "5")),
            login_window_minutes=int(_env("LOGIN_WINDOW_MINUTES", "15")),
            opening_hours=_env("OPENING_HOURS", defaults.opening_hours),
            notification_window_minutes=int(_env("NOTIFICATION_WINDOW_MINUTES", "15")),
            digest_time=_env("DIGEST_TIME", defaults.digest_time),
            scheduler_clock_start=_env("SCHEDULER_CLOCK_START", ""),
            history_retention_days=int(_env("HISTORY_RETENTION_DAYS", "730")),
            draft_retention_days=int(_env("DRAFT_RETENTION_DAYS", "30")),
            conversation_retention_days=int(_env("CONVERSATION_RETENTION_DAYS", "30")),
            message_text_retention_days=int(_env("MESSAGE_TEXT_RETENTION_DAYS", "7")),
            rasa_tracker_url=Secret(rasa_tracker_url_from_env()),
            dev_password=Secret(_env("DEV_PASSWORD", "")),
            dev_totp_secret=Secret(_env("DEV_TOTP_SECRET", "")),
            dev_media_dir=Path(_env("DEV_MEDIA_DIR", str(defaults.dev_media_dir))),
            oidc_issuer=_env("OIDC_ISSUER", "").rstrip("/"),
            oidc_client_id=_env("OIDC_CLIENT_ID", ""),
            oidc_client_secret=Secret(_env("OIDC_CLIENT_SECRET", "")),
            oidc_private_key_file=_env("OIDC_PRIVATE_KEY_FILE", ""),
            oidc_token_auth_method=_env("OIDC_TOKEN_AUTH_METHOD", ""),
            oidc_scopes=_env("OIDC_SCOPES", defaults.oidc_scopes),
            oidc_cpr_claim=_env("OIDC_CPR_CLAIM", defaults.oidc_cpr_claim),
            oidc_loa_claim=_env("OIDC_LOA_CLAIM", defaults.oidc_loa_claim),
            oidc_min_loa=_env("OIDC_MIN_LOA", defaults.oidc_min_loa),
            oidc_acr_values=_env("OIDC_ACR_VALUES", ""),
            oidc_post_logout_redirect=_env("OIDC_POST_LOGOUT_REDIRECT", ""),
            chat_messages_per_minute=int(_env("CHAT_MESSAGES_PER_MINUTE", "20")),
            new_sessions_per_minute=int(_env("NEW_SESSIONS_PER_MINUTE", "10")),
            inbound_turns_per_minute=int(_env("INBOUND_TURNS_PER_MINUTE", "10")),
            handoffs_per_day=int(_env("HANDOFFS_PER_DAY", "5")),
            citizen_messages_per_day=int(_env("CITIZEN_MESSAGES_PER_DAY", "20")),
            applications_per_day=int(_env("APPLICATIONS_PER_DAY", "10")),
            forwarded_secret=Secret(_env("FORWARDED_SECRET", "")),
            proxies_count=int(_env("PROXIES_COUNT", "0")),
            real_ip_header=_env("REAL_IP_HEADER", ""),
            documents_dir=Path(_env("DOCUMENTS_DIR", str(defaults.documents_dir))),
            documents_key=Secret(_env("DOCUMENTS_KEY", "")),
            documents_storage=_env("DOCUMENTS_STORAGE", defaults.documents_storage),
            s3_endpoint_url=_env("S3_ENDPOINT_URL", "").rstrip("/"),
            s3_bucket=_env("S3_BUCKET", ""),
            s3_region=_env("S3_REGION", ""),
            s3_access_key_id=_env("S3_ACCESS_KEY_ID", ""),
            s3_secret_access_key=Secret(_env("S3_SECRET_ACCESS_KEY", "")),
            upload_max_bytes=int(_env("UPLOAD_MAX_BYTES", str(defaults.upload_max_bytes))),
            upload_max_pages=int(_env("UPLOAD_MAX_PAGES", str(defaults.upload_max_pages))),
            upload_max_pixels=int(_env("UPLOAD_MAX_PIXELS", str(defaults.upload_max_pixels))),
            clamd_socket=_env("CLAMD_SOCKET", ""),
            clamd_address=_env("CLAMD_ADDRESS", ""),
        )
