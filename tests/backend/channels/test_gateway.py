from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.channels import rasa_client, texts
from backend.channels.gateway import clean_text, handle_citizen_message, resume_pending_intent
from backend.conversations import service
from backend.inbox import live
from backend.models.conversations import ChatMessage, Conversation
from backend.models.states import ConversationOwner
from backend.nlg import translate
from tests.backend.channels.support import FakeRasa, down
from tests.backend.inbox.factories import create_caseworker

AVIAJA = "0708861234"


async def _conversation(db: AsyncSession, **values: object) -> Conversation:
    conversation = await service.create_conversation(db, channel="web")
    for name, value in values.items():
        setattr(conversation, name, value)
    await db.commit()
    return conversation


async def _transcript(db: AsyncSession, cid: str) -> list[tuple[str, str]]:
    rows = await db.execute(
        select(ChatMessage).where(ChatMessage.conversation_id == cid).order_by(ChatMessage.id)
    )
    return [(m.sender, m.text) for m in rows.scalars()]


async def _started(app, sessions) -> None:  # type: ignore[no-untyped-def]
    """What start-up gives the gateway outside a request: the session factory and the Rasa client."""
    app.ctx.sessions = sessions
    await rasa_client.start(app)


async def _stopped(app) -> None:  # type: ignore[no-untyped-def]
    await rasa_client.stop(app)


async def test_a_turn_posts_to_rasa_as_the_conversation_and_stores_both_sides(
    app, db: AsyncSession, sessions
) -> None:
    rasa = FakeRasa().install(app)
    conversation = await _conversation(db, language="da", language_source="widget")
    await _started(app, sessions)
    try:
        replies = await handle_citizen_message(app, conversation.id, "hej")
    finally:
        await _stopped(app)

    assert [r.text for r in replies] == ["echo: hej"]
    assert replies[0].buttons[0].payload == "/affirm"
    request = rasa.requests[0]
    assert request.url == httpx.URL("http://127.0.0.1:9/webhooks/gateway/webhook")
    assert request.headers["authorization"] == "Bearer test-internal-secret"
    assert rasa.bodies == [{"sender": conversation.id, "message": "hej", "metadata": {"channel": "web"}}]
    assert await _transcript(db, conversation.id) == [("citizen", "hej"), ("bot", "echo: hej")]


async def test_rasa_down_gives_a_localized_apology_and_keeps_the_citizen_message(
    app, db: AsyncSession, sessions
) -> None:
    FakeRasa(reply=down).install(app)
    conversation = await _conversation(db, language="sv", language_source="explicit")
    await _started(app, sessions)
    try:
        replies = await handle_citizen_message(app, conversation.id, "Jag vill ansöka om bostadsbidrag")
    finally:
        await _stopped(app)

    apology = translate("sv", texts.ASSISTANT_UNAVAILABLE)
    assert apology != texts.ASSISTANT_UNAVAILABLE  # really Swedish, not the English source
    assert [r.text for r in replies] == [apology]
    assert await _transcript(db, conversation.id) == [
        ("citizen", "Jag vill ansöka om bostadsbidrag"),
        ("bot", apology),
    ]


async def test_a_failing_turn_in_rasa_is_answered_like_rasa_being_down(
    app, db: AsyncSession, sessions
) -> None:
    FakeRasa(reply=lambda body: httpx.Response(503, json={"error": "the assistant is unavailable"})).install(
        app
    )
    conversation = await _conversation(db, language="kl", language_source="explicit")
    await _started(app, sessions)
    try:
        replies = await handle_citizen_message(app, conversation.id, "aap")
    finally:
        await _stopped(app)
    assert [r.text for r in replies] == [translate("kl", texts.ASSISTANT_UNAVAILABLE)]


async def test_an_empty_rasa_reply_never_reaches_the_citizen_as_silence(
    app, db: AsyncSession, sessions
) -> None:
    FakeRasa(reply=lambda body: []).install(app)
    conversation = await _conversation(db, language="da", language_source="explicit")
    await _started(app, sessions)
    try:
        replies = await handle_citizen_message(app, conversation.id, "hmm")
    finally:
        await _stopped(app)
    assert [r.text for r in replies] == [translate("da", texts.TRY_AGAIN)]
    assert (await _transcript(db, conversation.id))[-1] == ("bot", translate("da", texts.TRY_AGAIN))


async def test_rasa_is_not_asked_while_a_caseworker_owns_the_conversation(
    app, db: AsyncSession, sessions
) -> None:
    rasa = FakeRasa().install(app)
    waiting = await _conversation(
        db, owner=ConversationOwner.WAITING, language="da", language_source="explicit"
    )
    human = await _conversation(
        db, owner=ConversationOwner.HUMAN, owner_caseworker_id=1, language="sv", language_source="explicit"
    )
    await _started(app, sessions)
    try:
        to_waiting = await handle_citizen_message(app, waiting.id, "Hallo, er der nogen?")
        to_human = await handle_citizen_message(app, human.id, "Tack för hjälpen")
    finally:
        await _stopped(app)

    assert rasa.requests == []
    assert [r.text for r in to_waiting] == [translate("da", texts.WAITING_FOR_CASEWORKER)]
    assert [r.text for r in to_human] == [translate("sv", texts.CASEWORKER_HAS_CONVERSATION)]
    assert (await _transcript(db, human.id))[0] == ("citizen", "Tack för hjälpen")


async def test_a_caseworker_taking_over_during_the_bots_turn_silences_the_bots_answer(
    app, db: AsyncSession, sessions
) -> None:
    """The Chatwoot race: Rasa is still thinking when a caseworker takes the conversation. The bot's
    late answer must not reach the citizen nor the transcript after the caseworker took over."""
    caseworker = await create_caseworker(db, username="taker")
    conversation = await _conversation(db, language="da", language_source="explicit")

    async def slow_rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/gateway/health":
            return httpx.Response(200, json={"status": "ok"})
        async with sessions() as other:  # meanwhile, in the inbox
            await live.request_handoff(other, conversation.id)
            await live.take(other, caseworker.id, conversation.id)
        return httpx.Response(200, json=[{"recipient_id": conversation.id, "text": "bot: late answer"}])

    app.ctx.rasa_transport = httpx.MockTransport(slow_rasa)
    await _started(app, sessions)
    try:
        replies = await handle_citizen_message(app, conversation.id, "Hvornår får jeg svar?")
    finally:
        await _stopped(app)

    notice = translate("da", texts.CASEWORKER_HAS_CONVERSATION)
    assert [r.text for r in replies] == [notice]
    assert await _transcript(db, conversation.id) == [("citizen", "Hvornår får jeg svar?"), ("bot", notice)]


async def test_an_oversize_message_is_refused_politely_and_the_transcript_is_untouched(
    app, db: AsyncSession, sessions
) -> None:
    rasa = FakeRasa().install(app)
    conversation = await _conversation(db, language="da", language_source="explicit")
    await _started(app, sessions)
    try:
        await handle_citizen_message(app, conversation.id, "hej")
        replies = await handle_citizen_message(app, conversation.id, "x" * 2001)
    finally:
        await _stopped(app)

    assert [r.text for r in replies] == [translate("da", texts.TOO_LONG, limit=2000)]
    assert "2.000" in replies[0].text  # the limit, formatted for Danish
    assert rasa.messages == ["hej"]
    assert await _transcript(db, conversation.id) == [("citizen", "hej"), ("bot", "echo: hej")]


async def test_control_characters_are_removed_and_html_stays_plain_text(
    app, db: AsyncSession, sessions
) -> None:
    rasa = FakeRasa().install(app)
    conversation = await _conversation(db, language="da", language_source="explicit")
    await _started(app, sessions)
    try:
        await handle_citizen_message(
            app, conversation.id, "<script>alert(1)</script>\x00\x1b[31m\r\nlinje\u202e to"
        )
    finally:
        await _stopped(app)

    expected = "<script>alert(1)</script>[31m\nlinje to"
    assert rasa.messages == [expected]
    assert (await _transcript(db, conversation.id))[0] == ("citizen", expected)


def test_cleaning_keeps_newlines_and_letters_of_every_language() -> None:
    assert clean_text("  Aap, qujanaq!\næøå ÆØÅ\tåäö  ") == "Aap, qujanaq!\næøå ÆØÅ åäö"


async def test_an_empty_message_is_not_sent_to_rasa(app, db: AsyncSession, sessions) -> None:
    rasa = FakeRasa().install(app)
    conversation = await _conversation(db, language="kl", language_source="explicit")
    await _started(app, sessions)
    try:
        replies = await handle_citizen_message(app, conversation.id, " \x00\u200b ")
    finally:
        await _stopped(app)
    assert rasa.requests == []
    assert [r.text for r in replies] == [translate("kl", texts.EMPTY_MESSAGE)]
    assert await _transcript(db, conversation.id) == []


async def test_the_first_long_enough_message_sets_the_language_and_short_replies_never_do(
    app, db: AsyncSession, sessions
) -> None:
    FakeRasa().install(app)
    conversation = await _conversation(db)
    await _started(app, sessions)
    try:
        await handle_citizen_message(app, conversation.id, "ja")
        await db.refresh(conversation)
        assert (conversation.language, conversation.language_source) == (None, None)
        await handle_citizen_message(app, conversation.id, "Jeg vil gerne søge om boligsikring")
        await db.refresh(conversation)
        assert (conversation.language, conversation.language_source) == ("da", "detected")
        await handle_citizen_message(app, conversation.id, "Jag vill ansöka om bostadsbidrag nu")
        await handle_citizen_message(app, conversation.id, "nej tak")
    finally:
        await _stopped(app)
    await db.refresh(conversation)
    assert (conversation.language, conversation.language_source) == ("da", "detected")


async def test_an_explicit_choice_wins_over_the_widget_and_detection(app, db: AsyncSession, sessions) -> None:
    FakeRasa().install(app)
    conversation = await _conversation(db)
    await _started(app, sessions)
    try:
        await handle_citizen_message(
            app, conversation.id, "Boligsikringimik qinnuteqarusuppunga", language_hint="da"
        )
        await db.refresh(conversation)
        assert (conversation.language, conversation.language_source) == ("da", "widget")
        await handle_citizen_message(
            app, conversation.id, '/choose_language{"language":"sv"}', language_hint="da"
        )
    finally:
        await _stopped(app)
    await db.refresh(conversation)
    assert (conversation.language, conversation.language_source) == ("sv", "explicit")


async def test_a_pending_intent_runs_first_once_the_citizen_has_logged_in(
    app, db: AsyncSession, sessions
) -> None:
    rasa = FakeRasa().install(app)
    from tests.backend.applications.factories import seed_registers

    await seed_registers(db)
    conversation = await _conversation(db, language="kl", language_source="explicit", pending_intent="apply")
    await _started(app, sessions)
    try:
        await handle_citizen_message(app, conversation.id, "aap")  # still anonymous: nothing pending is sent
        assert rasa.messages == ["aap"]
        await service.bind_person(db, conversation, AVIAJA, until=datetime.now(UTC) + timedelta(hours=1))
        await db.commit()
        replies = await handle_citizen_message(app, conversation.id, "aap")
        again = await handle_citizen_message(app, conversation.id, "aap")
    finally:
        await _stopped(app)

    assert rasa.messages == ["aap", "/apply_housing_benefit", "aap", "aap"]
    assert [r.text for r in replies] == ["echo: /apply_housing_benefit", "echo: aap"]
    assert [r.text for r in again] == ["echo: aap"]
    await db.refresh(conversation)
    assert conversation.pending_intent is None


async def test_resume_runs_the_pending_intent_and_keeps_it_when_rasa_is_down(
    app, db: AsyncSession, sessions
) -> None:
    rasa = FakeRasa(reply=down).install(app)
    from tests.backend.applications.factories import seed_registers

    await seed_registers(db)
    conversation = await _conversation(
        db, pending_intent="status", person_cpr=AVIAJA, bound_until=datetime.now(UTC) + timedelta(hours=1)
    )
    await _started(app, sessions)
    try:
        failed = await resume_pending_intent(app, conversation.id)
        await db.refresh(conversation)
        assert conversation.pending_intent == "status"
        rasa.reply = FakeRasa().reply
        resumed = await resume_pending_intent(app, conversation.id)
        nothing = await resume_pending_intent(app, conversation.id)
    finally:
        await _stopped(app)

    assert [r.text for r in failed] == [translate("kl", texts.ASSISTANT_UNAVAILABLE)]
    assert [r.text for r in resumed] == ["echo: /check_status"]
    assert nothing == []
    assert rasa.messages == ["/check_status", "/check_status"]  # the failed attempt, then the one that worked
