"""Background jobs: the weekday 09:00 digest (seed 000) and the daily purge of old history.

Every instance runs the loop; the unique (job, slot) row of `job_runs` decides which instance does a
slot's work, so with several backend instances exactly one digest is sent per working day and one purge
runs per day. The claim commits together with the job's work: a job that fails leaves no claim, and
the next tick (on any instance) does it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import and_, delete, func, not_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import audit, audit_chain, retention
from backend.applications.drafts import purge_expired_drafts
from backend.config import Settings
from backend.documents.service import delete_purged_files
from backend.models.applications import Application, Draft
from backend.models.caseworkers import Caseworker, CaseworkerSession, LoginCode
from backend.models.conversations import ChatMessage
from backend.models.messaging import Notification, SecureMessage, Thread
from backend.models.scheduling import JobRun
from backend.models.states import APPLICATION_CLOSED, ApplicationStatus

log = logging.getLogger("inissiaq.scheduler")

TICK_SECONDS = 30
DIGEST_LATEST_DELAY = timedelta(hours=3)  # a backend down at 09:00 still sends until 12:00
PURGE_TIME = time(2, 0)
# Waiting for a caseworker (not for the citizen's documents, not in the case system yet).
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.RECEIVED)
# Greenland's public holidays plus the optional category, on which the municipal offices are closed too
# (among them the national day, 21 June, Christmas Eve and New Year's Eve).
HOLIDAY_CATEGORIES = ("public", "optional")


@lru_cache(maxsize=16)
def _greenland_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GL", years=year, categories=HOLIDAY_CATEGORIES)


def is_office_holiday(day: date) -> bool:
    return day in _greenland_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_office_holiday(day)


_PROCESS_STARTED = monotonic()


def scheduler_now(settings: Settings) -> datetime:
    """The scheduler's clock: the real time, or in development, with SCHEDULER_CLOCK_START, a clock
    that started at that moment when this process started (the settings check refuses it in
    production)."""
    if not settings.scheduler_clock_start:
        return datetime.now(UTC)
    start = datetime.fromisoformat(settings.scheduler_clock_start)
    return start.astimezone(UTC) + timedelta(seconds=monotonic() - _PROCESS_STARTED)


def local_now(now: datetime, settings: Settings) -> datetime:
    return now.astimezone(ZoneInfo(settings.timezone))


def digest_slot(now: datetime, settings: Settings) -> str | None:
    """The local day whose digest is due at `now`, or None (weekend, holiday, before 09:00, too late)."""
    local = local_now(now, settings)
    if not is_working_day(local.date()):
        return None
    at = datetime.combine(local.date(), time.fromisoformat(settings.digest_time), tzinfo=local.tzinfo)
    if at <= local < at + DIGEST_LATEST_DELAY:
        return local.date().isoformat()
    return None


async def claim(
    db: AsyncSession, job: str, slot: str, now: datetime, *, commit: bool = True
) -> JobRun | None:
    """Insert the job run for the slot; None when another instance already has it. Commits, unless
    `commit=False`: then the claim stands only with the caller's commit, together with the work done
    in the same transaction (an instance that dies before it leaves the slot to the next one)."""
    run = JobRun(job=job, slot=slot, started_at=now)
    db.add(run)
    try:
        await (db.commit() if commit else db.flush())
    except IntegrityError:
        await db.rollback()
        return None
    return run


def waiting_condition() -> Any:
    """Applications that are neither taken over, nor waiting for the citizen's documents, nor
    assigned-and-opened."""
    return and_(
        Application.status.in_(OPEN_STATUSES),
        not_(and_(Application.assigned_caseworker_id.is_not(None), Application.opened_at.is_not(None))),
    )


async def waiting_count(db: AsyncSession) -> int:
    return int(
        (
            await db.execute(select(func.count()).select_from(Application).where(waiting_condition()))
        ).scalar_one()
    )


async def send_digest(db: AsyncSession, settings: Settings, *, slot: str, now: datetime | None = None) -> int:
    """If the slot is ours, queue one e-mail per designated caseworker with the count of applications
    waiting and the count of that caseworker's overdue tasks, when either is not zero, and the inbox
    link (no personal data). Returns the number of e-mails queued."""
    from backend.inbox import mails
    from backend.inbox.casework import overdue_counts
    from backend.outbox.service import enqueue

    now = now or datetime.now(UTC)
    # The claim and the queued e-mails commit together: the outbox then sends them exactly once.
    run = await claim(db, "digest", slot, now, commit=False)
    if run is None:
        return 0
    count = await waiting_count(db)
    overdue = await overdue_counts(db, local_now(now, settings).date())
    sent = 0
    if count or overdue:
        recipients = await db.execute(
            select(Caseworker).where(
                Caseworker.designated_for_digest.is_(True),
                Caseworker.active.is_(True),
                Caseworker.email.is_not(None),
            )
        )
        inbox_url = f"{settings.public_base_url}/inbox"
        for caseworker in recipients.scalars().all():
            if not count and not overdue.get(caseworker.id):
                continue
            mail = mails.digest(
                caseworker.language,
                count=count,
                inbox_url=inbox_url,
                overdue_tasks=overdue.get(caseworker.id, 0),
            )
            queued = await enqueue(
                db,
                channel="email",
                to=caseworker.email,
                subject=mail.subject,
                text=mail.text,
                html=f"<p>{html.escape(mail.text)}</p>",
                kind="digest",
            )
            sent += queued is not None
    run.finished_at = datetime.now(UTC)
    run.result = {"waiting": count, "overdue_tasks": sum(overdue.values()), "emails": sent}
    await audit.record(db, actor="system", action="digest_run", details={"slot": slot, **run.result})
    await db.commit()
    return sent


async def purge(db: AsyncSession, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Apply the retention policy (docs/data-protection.md): delete history older than the retention
    period (processed applications, transcripts, messages, notifications, delivery records, audit
    entries, job runs), unsent drafts idle longer than DRAFT_RETENTION_DAYS, idle conversations and
    Rasa's events of conversations past CONVERSATION_RETENTION_DAYS, expired sessions, links and login
    codes; redact SMS, Telegram and e-mail texts past MESSAGE_TEXT_RETENTION_DAYS (backend/retention.py).
    Returns the rows deleted or redacted per kind. Commits, then deletes the purged documents' files."""
    counts, files = await _purge(db, settings, now=now or datetime.now(UTC))
    await db.commit()
    await delete_purged_files(settings, files)
    return counts


async def daily_purge(
    db: AsyncSession, settings: Settings, *, slot: str, now: datetime
) -> dict[str, int] | None:
    """The day's purge, if the slot is ours: the claim commits with the purge in one transaction, so an
    instance that dies or fails mid-purge leaves the slot to the next tick, here or on another instance
    (which meanwhile waits on the claim's row). The purged documents' files are deleted after the
    commit. None when the slot was already done."""
    run = await claim(db, "purge", slot, now, commit=False)
    if run is None:
        return None
    counts, files = await _purge(db, settings, now=now)
    run.finished_at = datetime.now(UTC)
    run.result = counts
    await db.commit()
    await delete_purged_files(settings, files)
    return counts


async def _purge(db: AsyncSession, settings: Settings, *, now: datetime) -> tuple[dict[str, int], list[str]]:
    """The purge's steps in the caller's transaction (Rasa's events, in their own database, first);
    the counts, and the storage keys of the files of the documents it deleted, for the caller to delete
    once the transaction is committed."""
    cutoff = now - timedelta(days=settings.history_retention_days)
    counts: dict[str, int] = {"rasa_events": await retention.purge_tracker_events(settings, now=now)}

    old_applications = (
        await db.execute(
            select(Application.id, Application.draft_id).where(
                Application.status.in_(APPLICATION_CLOSED),
                func.coalesce(Application.taken_over_at, Application.submitted_at) < cutoff,
            )
        )
    ).all()
    if old_applications:
        await db.execute(delete(Application).where(Application.id.in_([row[0] for row in old_applications])))
        await db.execute(delete(Draft).where(Draft.id.in_([row[1] for row in old_applications])))
    counts["applications"] = len(old_applications)
    counts["drafts"] = await purge_expired_drafts(db, settings, now=now)
    counts["chat_messages"] = (
        await db.execute(delete(ChatMessage).where(ChatMessage.created_at < cutoff))
    ).rowcount
    counts["messages"] = (
        await db.execute(delete(SecureMessage).where(SecureMessage.created_at < cutoff))
    ).rowcount
    empty_threads = select(SecureMessage.id).where(SecureMessage.thread_id == Thread.id).exists()
    await db.execute(delete(Thread).where(Thread.updated_at < cutoff, ~empty_threads))
    old_notifications = select(Notification.id).where(Notification.created_at < cutoff)
    await db.execute(
        update(SecureMessage)
        .where(SecureMessage.notification_id.in_(old_notifications))
        .values(notification_id=None)
    )
    await db.execute(
        update(Notification).where(Notification.fallback_of.in_(old_notifications)).values(fallback_of=None)
    )
    counts["notifications"] = (
        await db.execute(delete(Notification).where(Notification.created_at < cutoff))
    ).rowcount
    applied, files = await retention.apply(db, settings, now=now)
    counts.update(applied)
    await db.execute(delete(JobRun).where(JobRun.started_at < cutoff))
    counts["caseworker_sessions"] = (
        await db.execute(delete(CaseworkerSession).where(CaseworkerSession.expires_at < now))
    ).rowcount
    counts["login_codes"] = (
        await db.execute(
            delete(LoginCode).where(or_(LoginCode.expires_at < now, LoginCode.used_at.is_not(None)))
        )
    ).rowcount
    counts["audit_entries"] = await audit_chain.purge_before(db, cutoff)  # last: it holds the chain head
    await audit.record(db, actor="system", action="history_purged", details=counts)
    return counts, files


async def tick(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> None:
    """One scheduler step: the digest when due, the purge once a day."""
    now = now or datetime.now(UTC)
    slot = digest_slot(now, settings)
    if slot is not None:
        async with sessions() as db:
            exists = await db.execute(select(JobRun.id).where(JobRun.job == "digest", JobRun.slot == slot))
            if exists.first() is None:
                sent = await send_digest(db, settings, slot=slot, now=now)
                log.info("digest for %s: %d e-mails", slot, sent)
    local = local_now(now, settings)
    if local.time() >= PURGE_TIME:
        day = local.date().isoformat()
        async with sessions() as db:
            exists = await db.execute(select(JobRun.id).where(JobRun.job == "purge", JobRun.slot == day))
            if exists.first() is None and await daily_purge(db, settings, slot=day, now=now) is not None:
                log.info("purge for %s done", day)


async def _loop(app: Any) -> None:
    while True:
        try:
            await tick(app.ctx.sessions, app.ctx.settings, scheduler_now(app.ctx.settings))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler tick failed")
        await asyncio.sleep(TICK_SECONDS)


async def start(app: Any) -> None:
    if app.ctx.settings.background_workers:
        app.ctx.scheduler_task = asyncio.create_task(_loop(app))


async def stop(app: Any) -> None:
    task = getattr(app.ctx, "scheduler_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
