"""Message threads in the inbox: a thread a citizen started without an application is found, read
and answered; the application page assigns and reassigns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.messaging.service import change_contact, citizen_writes
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.messaging import SecureMessage
from backend.models.outbox import OutboxMessage
from tests.backend.applications.factories import KARIN, seed_registers
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.backend.inbox.test_applications import _submitted

PAYLOAD = '<script>alert("x")</script>'


async def _karin_writes_first(db: AsyncSession) -> SecureMessage:
    """Karin asks for a caseworker outside opening hours: a thread with no application. She has
    chosen to be told by e-mail."""
    await seed_registers(db)
    await change_contact(
        db, KARIN, email="karin@example.se", channels=["email"], changed_by="citizen", actor="citizen"
    )
    return await citizen_writes(db, KARIN, f"Can someone call me? {PAYLOAD}")


async def test_a_thread_the_citizen_started_is_listed_as_unanswered_until_a_caseworker_replies(
    app, db: AsyncSession
) -> None:
    await _karin_writes_first(db)
    await create_caseworker(db)
    session = await log_in(app)

    _, unanswered = await app.asgi_client.get("/api/caseworker/threads", headers=session.headers)
    assert unanswered.status == 200
    [thread] = unanswered.json["threads"]
    assert thread["name"] == "Karin Andersson" and thread["application_reference"] is None
    assert thread["cpr_masked"] != KARIN and KARIN not in unanswered.text
    assert (thread["last_from"], thread["unread"]) == ("citizen", 1)

    _, detail = await app.asgi_client.get(
        f"/api/caseworker/threads/{thread['thread_id']}", headers=session.headers
    )
    assert [m["text"] for m in detail.json["messages"]] == [f"Can someone call me? {PAYLOAD}"]
    assert detail.json["messages"][0]["read_at"] is not None  # the caseworker has now read it

    _, sent = await app.asgi_client.post(
        "/api/caseworker/messages", json={"cpr": KARIN, "text": "Yes, tomorrow."}, headers=session.headers
    )
    assert sent.status == 201 and sent.json["thread_id"] == thread["thread_id"]  # the same thread
    _, after = await app.asgi_client.get("/api/caseworker/threads", headers=session.headers)
    assert after.json["threads"] == []
    _, every = await app.asgi_client.get(
        "/api/caseworker/threads", params={"filter": "all"}, headers=session.headers
    )
    assert [(t["last_from"], t["unread"]) for t in every.json["threads"]] == [("caseworker", 0)]

    listed = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "thread_listed"))).scalars().all()
    )
    assert [e.person_cpr for e in listed] == [KARIN, KARIN]  # the first list and the "all" list


async def test_threads_need_a_session_and_refuse_bad_input(app, db: AsyncSession) -> None:
    await _karin_writes_first(db)
    _, anonymous = await app.asgi_client.get("/api/caseworker/threads")
    assert anonymous.status == 401
    await create_caseworker(db)
    session = await log_in(app)
    _, bad_filter = await app.asgi_client.get(
        "/api/caseworker/threads", params={"filter": "<x>"}, headers=session.headers
    )
    assert bad_filter.status == 400
    _, unknown = await app.asgi_client.get("/api/caseworker/threads/999999", headers=session.headers)
    assert unknown.status == 404


async def test_the_messages_pages_show_the_thread_escaped_and_the_reply_form_sends(
    app, db: AsyncSession
) -> None:
    message = await _karin_writes_first(db)
    await create_caseworker(db)
    session = await log_in(app)

    _, listing = await app.asgi_client.get("/inbox/messages", headers=session.cookie_only)
    assert listing.status == 200 and f'href="/inbox/messages/{message.thread_id}"' in listing.text
    _, thread_page = await app.asgi_client.get(
        f"/inbox/messages/{message.thread_id}", headers=session.cookie_only
    )
    assert "<script>" not in thread_page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in thread_page.text

    action = f"/inbox/messages/{message.thread_id}/messages"
    _, forged = await app.asgi_client.post(
        action, data={"csrf_token": "forged", "text": "x"}, headers=session.cookie_only
    )
    assert forged.status == 403
    _, empty = await app.asgi_client.post(
        action, data={"csrf_token": session.csrf, "text": " "}, headers=session.cookie_only
    )
    assert empty.status == 400
    _, sent = await app.asgi_client.post(
        action,
        data={"csrf_token": session.csrf, "text": "We will call you tomorrow."},
        headers=session.cookie_only,
        follow_redirects=False,
    )
    assert sent.status == 302
    replies = (
        (await db.execute(select(SecureMessage).where(SecureMessage.sender == "caseworker"))).scalars().all()
    )
    assert [(r.thread_id, r.text) for r in replies] == [(message.thread_id, "We will call you tomorrow.")]
    notices = (
        (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "message_notification")))
        .scalars()
        .all()
    )
    assert [n.channel for n in notices] == ["email"] and "tomorrow" not in notices[0].text
    assert "Karin" not in notices[0].text


async def test_the_application_page_assigns_reassigns_and_returns_to_the_shared_queue(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings, KARIN)
    me = await create_caseworker(db)
    colleague = await create_caseworker(db, username="ole")
    session = await log_in(app)
    reference, colleague_id, my_id = application.reference, colleague.id, me.id
    base = f"/inbox/applications/{reference}"

    _, detail = await app.asgi_client.get(base, headers=session.cookie_only)
    assert f'action="{base}/assign"' in detail.text and ">ole</option>" in detail.text

    async def assign(value: str) -> int:
        _, response = await app.asgi_client.post(
            f"{base}/assign",
            data={"csrf_token": session.csrf, "caseworker_id": value},
            headers=session.cookie_only,
            follow_redirects=False,
        )
        return response.status

    async def assigned() -> int | None:
        await db.rollback()
        row = await db.execute(
            select(Application.assigned_caseworker_id).where(Application.reference == reference)
        )
        return row.scalar_one()

    assert await assign(str(colleague_id)) == 302 and await assigned() == colleague_id
    assert await assign(str(my_id)) == 302 and await assigned() == my_id
    assert await assign("") == 302 and await assigned() is None
    assert await assign("ole") == 400 and await assigned() is None
    assert await assign("999999") == 400 and await assigned() is None
