"""SMS and Telegram end to end: the real trained model, the real twilio and python-telegram-bot clients
against local fakes, the webhooks signed as the providers sign them."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from itertools import count

import httpx
import pytest
from twilio.request_validator import RequestValidator

from backend.channels.texts import PRIVATE_CHAT_ONLY
from backend.models.states import InboundState, OutboxState
from backend.nlg import translate
from scripts.stack import Stack
from tests.conftest import (
    TELEGRAM_SECRET,
    TWILIO_SID,
    TWILIO_TOKEN,
    Providers,
    applications_of,
    backend_rows,
    until,
)
from tests.fakes.telegram_api import callback_update, text_update

AVIAJA = "0708861234"  # in the register with +299 55 12 34
APUTSIAQ, NIELS = "1201791123", "1110592705"  # kl and da tenants of INI A/S, used only here
_sids = count(1)
_updates = count(1000)
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_-]+")


def wait_for(
    collect: Callable[[], list],
    seen: int,
    *,
    settled: Callable[[], bool] = lambda: True,
    timeout: float = 60.0,
    quiet: float = 1.5,
) -> list:
    """The items after the first `seen`, once at least one arrived, the backend has nothing more on the
    way for this citizen (`settled`) and none came for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last_count, last_change = seen, time.monotonic()
    while time.monotonic() < deadline:
        items = collect()
        if len(items) != last_count:
            last_count, last_change = len(items), time.monotonic()
        elif len(items) > seen and time.monotonic() - last_change >= quiet and settled():
            return items[seen:]
        time.sleep(0.1)
    raise AssertionError(f"nothing new, or the turn not ended, after {timeout}s (had {seen})")


def turn_ended(stack: Stack, channel: str, address: str) -> Callable[[], bool]:
    """No message of this sender waits for or is in a turn, and no reply to them is still to be sent
    (Telegram holds a chat for a second between messages, so a turn's last message, often the one with
    the buttons, can come well after the first)."""

    def ended() -> bool:
        waiting = backend_rows(
            stack,
            "SELECT id FROM inbound_messages WHERE channel = $1 AND sender = $2 AND status = ANY($3)",
            channel,
            address,
            [InboundState.QUEUED, InboundState.PROCESSING],
        )
        unsent = backend_rows(
            stack,
            "SELECT id FROM outbox_messages WHERE channel = $1 AND recipient = $2 AND status = ANY($3)",
            channel,
            address,
            [OutboxState.CREATED, OutboxState.SENDING],
        )
        return not waiting and not unsent

    return ended


def nothing_new(collect: Callable[[], list], seen: int, *, wait: float = 4.0) -> bool:
    time.sleep(wait)
    return len(collect()) == seen


class Phone:
    """A citizen's phone texting the assistant through Twilio's signed webhook."""

    def __init__(self, stack: Stack, providers: Providers, number: str) -> None:
        self.stack, self.providers, self.number = stack, providers, number
        self.url = f"{stack.backend_url}/webhooks/twilio/sms"
        self.settled = turn_ended(stack, "sms", number)

    def received(self) -> list[str]:
        return self.providers.twilio.sent_to(self.number)

    def post(self, text: str, *, sid: str | None = None, signature: str | None = None) -> httpx.Response:
        params = {
            "MessageSid": sid or f"SM{next(_sids):032d}",
            "AccountSid": TWILIO_SID,
            "From": self.number,
            "To": "+299321000",
            "Body": text,
            "NumMedia": "0",
        }
        signed = RequestValidator(TWILIO_TOKEN).compute_signature(self.url, params)
        return httpx.post(
            self.url, data=params, headers={"X-Twilio-Signature": signature or signed}, timeout=10
        )

    def say(self, text: str, **kwargs: str) -> str:
        seen = len(self.received())
        response = self.post(text, **kwargs)
        assert response.status_code == 200 and "<Response" in response.text
        return "\n".join(wait_for(self.received, seen, settled=self.settled))


class Chat:
    """A Telegram chat: updates posted to the webhook with the secret token header."""

    def __init__(self, stack: Stack, providers: Providers, chat_id: int) -> None:
        self.stack, self.providers, self.chat_id = stack, providers, chat_id
        self.url = f"{stack.backend_url}/webhooks/telegram"
        self.settled = turn_ended(stack, "telegram", str(chat_id))

    def received(self) -> list[dict]:
        return self.providers.telegram.sent_to(self.chat_id)

    def post(self, update: dict) -> httpx.Response:
        return httpx.post(
            self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, timeout=10
        )

    def send(self, update: dict) -> list[dict]:
        seen = len(self.received())
        assert self.post(update).status_code == 200
        return wait_for(self.received, seen, settled=self.settled)

    def say(self, text: str) -> list[dict]:
        return self.send(text_update(next(_updates), self.chat_id, text))

    def press(self, data: str) -> list[dict]:
        return self.send(callback_update(next(_updates), self.chat_id, data))


def start_link_login(browser: httpx.Client, link: str, cpr: str) -> str:
    """The citizen opens the one-time link, presses its button and logs in with (development) eID; the
    browser is then on the confirmation page, whose text this returns. Nothing is bound yet."""
    base = link.split("/l/")[0]
    opened = browser.get(link)
    assert opened.status_code == 200 and f'action="{link.removeprefix(base)}"' in opened.text
    started = browser.post(link, headers={"Origin": base})
    assert started.status_code == 303 and started.headers["location"] == "/auth/login"
    login = browser.post(base + "/auth/dev/login", json={"cpr": cpr}, headers={"Origin": base})
    assert login.status_code == 200 and login.json()["next"] == "/l/confirm", login.text
    page = browser.get(base + "/l/confirm")
    assert page.status_code == 200
    return page.text


def confirm_link(browser: httpx.Client, link: str) -> httpx.Response:
    base = link.split("/l/")[0]
    return browser.post(base + "/l/confirm", data={}, headers={"Origin": base})


def log_in_through(link: str, cpr: str) -> None:
    """The citizen opens the one-time link on the phone, logs in with (development) eID and confirms."""
    with httpx.Client(timeout=30) as browser:
        start_link_login(browser, link, cpr)
        confirmed = confirm_link(browser, link)
        assert confirmed.status_code == 303 and confirmed.headers["location"] == "/linked", confirmed.text


def test_a_greenlandic_application_by_sms_after_binding_through_the_one_time_link(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559901")
    asked = phone.say("Boligsikringimik qinnuteqarusuppunga")
    (link,) = LINK.findall(asked)
    seen = len(phone.received())
    log_in_through(link, APUTSIAQ)
    draft = "\n".join(wait_for(phone.received, seen, settled=phone.settled))
    assert "Aputsiaq Kleist" in draft and "120179-xxxx" in draft and APUTSIAQ not in draft
    assert "Qernertunnguit 14" in draft and "1. " in draft  # buttons as numbered options
    phone.say("aap")  # the dwelling is right
    registered_phone = phone.say("1")  # the first numbered option ("yes"): the household is right
    assert "52 44 11" in registered_phone
    summary = phone.say("aap")  # the registered phone is still right
    assert "52 44 11" in summary
    receipt = phone.say("1")  # "Send application"
    (application,) = applications_of(stack, APUTSIAQ)
    assert application["reference"] in receipt and application["channel"] == "sms"
    assert LINK.findall(receipt) == []
    again = phone.post("Boligsikringimik qinnuteqarusuppunga")  # the link is spent; the binding holds
    assert again.status_code == 200


def test_a_danish_application_on_telegram_with_button_presses(stack, providers) -> None:
    chat = Chat(stack, providers, 880001)
    asked = chat.say("Jeg vil gerne søge om boligsikring")
    (link,) = LINK.findall("\n".join(m["text"] for m in asked))
    seen = len(chat.received())
    log_in_through(link, NIELS)
    draft = wait_for(chat.received, seen, settled=chat.settled)
    text = "\n".join(m["text"] for m in draft)
    assert "Niels Nielsen" in text and "111059-xxxx" in text and "Ilimmarfik 7" in text
    keyboards = [m["reply_markup"] for m in draft if m["reply_markup"]]
    assert keyboards and {"/affirm", "/deny"} <= {
        b["callback_data"] for row in keyboards[-1]["inline_keyboard"] for b in row
    }
    chat.press("/affirm")  # the dwelling is right
    chat.press("/affirm")  # the household is right
    chat.press("/affirm")  # the registered phone is still right
    receipt = chat.press("/affirm")  # send
    (application,) = applications_of(stack, NIELS)
    assert application["reference"] in "\n".join(m["text"] for m in receipt)
    assert application["channel"] == "telegram" and application["phone"] == "+299347788"
    assert len(providers.telegram.callback_answers) >= 3


def test_a_forged_twilio_signature_is_refused_and_nothing_happens(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559902")
    response = phone.post("Hvad er boligsikring?", signature="Zm9yZ2Vk")
    assert response.status_code == 403
    assert backend_rows(stack, "SELECT id FROM inbound_messages WHERE sender = $1", phone.number) == []
    assert nothing_new(phone.received, 0)


def test_a_replayed_message_sid_and_update_id_give_one_turn(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559903")
    for _ in range(3):
        assert phone.post("Hvad er boligsikring?", sid="SM" + "ab" * 16).status_code == 200
    first = wait_for(phone.received, 0, settled=phone.settled)
    assert nothing_new(phone.received, len(first))
    chat = Chat(stack, providers, 880002)
    update = text_update(777777, 880002, "Hvad er boligsikring?")
    for _ in range(3):
        assert chat.post(update).status_code == 200
    answered = wait_for(chat.received, 0, settled=chat.settled)
    assert nothing_new(chat.received, len(answered))
    stored = backend_rows(
        stack,
        "SELECT provider FROM inbound_messages WHERE external_id IN ($1, $2)",
        "SM" + "ab" * 16,
        "777777",
    )
    assert sorted(row["provider"] for row in stored) == ["telegram", "twilio"]  # one row each


def test_stop_silences_every_send_until_start(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559904")
    confirmation = phone.say("STOP")
    assert "START" in confirmation
    seen = len(phone.received())
    sid = f"SM{next(_sids):032d}"
    assert phone.post("Hvad er boligsikring?", sid=sid).status_code == 200
    until(
        lambda: backend_rows(
            stack, "SELECT 1 FROM inbound_messages WHERE external_id = $1 AND status = 'done'", sid
        ),
        timeout=60,
        what="the bot's turn after STOP",
    )
    # The bot's turn has been handled, and its replies were never queued: nothing can go out later.
    queued = backend_rows(stack, "SELECT kind FROM outbox_messages WHERE recipient = $1", phone.number)
    assert [row["kind"] for row in queued] == ["opt_out_confirmation"]
    assert len(phone.received()) == seen
    phone.say("START")
    assert phone.say("Hvad er boligsikring?")


def test_a_provider_failing_twice_with_500_delivers_once_and_in_order(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559905")
    providers.twilio.fail_next(2, 500)
    phone.say("Hvilke dokumenter skal jeg bruge?")
    first_turn = phone.received()
    phone.say("tak")
    received = phone.received()
    assert len(received) == len(set(received))  # each part once
    assert received[: len(first_turn)] == first_turn  # the later turn came after, in order
    assert providers.twilio.requests >= len(received) + 2  # the two failed attempts happened


def test_a_permanent_error_is_not_retried_and_shows_as_failed(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559906")
    providers.twilio.refuse(phone.number, code=21211)
    before = providers.twilio.requests
    assert phone.post("Hvad er boligsikring?").status_code == 200

    def failed_messages() -> list[dict]:
        listing = httpx.get(f"{stack.backend_url}/dev/outbox", params={"to": phone.number}, timeout=10).json()
        return [m for m in listing["messages"] if m["status"] == "failed"]

    failed = until(failed_messages, timeout=60, what="a failed message")
    assert "21211" in failed[0]["error"]
    time.sleep(2)
    listing = httpx.get(f"{stack.backend_url}/dev/outbox", params={"to": phone.number}, timeout=10).json()
    assert all(m["attempts"] == 1 for m in listing["messages"])
    assert providers.twilio.requests - before == len(listing["messages"])
    assert phone.received() == []


@pytest.mark.parametrize("question", ["Hvad er status på min ansøgning?"])
def test_an_unbound_phone_asking_for_status_gets_no_personal_data(stack, providers, question) -> None:
    phone = Phone(stack, providers, "+299551234")  # Aviaja's number in the register, but not bound
    answer = phone.say(question)
    assert LINK.findall(answer)
    for personal in ("Aviaja", "Lyberth", "070886", AVIAJA, "Aqqusinersuaq", "INI-104233"):
        assert personal not in answer


def _bound_people(stack: Stack, number: str) -> list[str | None]:
    rows = backend_rows(stack, "SELECT person_cpr FROM conversations WHERE channel_address = $1", number)
    return [row["person_cpr"] for row in rows]


def test_an_attackers_link_opened_by_a_victim_who_logs_in_but_does_not_confirm_binds_nothing(
    stack, providers
) -> None:
    attacker = Phone(stack, providers, "+299559907")
    (link,) = LINK.findall(attacker.say("Hvad er status på min ansøgning?"))
    base = link.split("/l/")[0]
    preview = httpx.get(link, timeout=10)  # the victim's messenger fetches a preview: no cookie
    assert preview.status_code == 200 and "+299 55 ** 07" in preview.text and "559907" not in preview.text
    with httpx.Client(timeout=30) as victim:
        page = start_link_login(victim, link, AVIAJA)
        assert "+299 55 ** 07" in page and "Aviaja Lyberth" in page  # not her phone: she stops here
        cross_site = victim.post(base + "/l/confirm", data={}, headers={"Origin": "https://evil.example"})
        assert cross_site.status_code == 403
    assert _bound_people(stack, attacker.number) == [None]
    answer = attacker.say("Hvad er status på min ansøgning?")
    assert LINK.findall(answer)
    for personal in ("Aviaja", "Lyberth", "070886", AVIAJA, "Aqqusinersuaq", "INI-104233"):
        assert personal not in answer


def test_a_link_survives_its_preview_and_cannot_be_confirmed_twice(stack, providers) -> None:
    phone = Phone(stack, providers, "+299559908")
    (link,) = LINK.findall(phone.say("Hvad er status på min ansøgning?"))
    assert httpx.get(link, timeout=10).status_code == 200  # a link preview
    with httpx.Client(timeout=30) as first, httpx.Client(timeout=30) as second:
        start_link_login(first, link, AVIAJA)
        start_link_login(second, link, APUTSIAQ)
        assert confirm_link(first, link).status_code == 303
        assert confirm_link(second, link).status_code == 410
    assert _bound_people(stack, phone.number) == [AVIAJA]
    assert httpx.get(link, timeout=10).status_code == 410


def test_a_telegram_group_gets_a_neutral_notice_and_no_answer(stack, providers) -> None:
    chat = Chat(stack, providers, -100880003)
    update = text_update(next(_updates), -100880003, "Hvad er status på min ansøgning?", from_id=880003)
    update["message"]["chat"] = {"id": -100880003, "type": "supergroup", "title": "Naboerne"}
    (notice,) = chat.send(update)
    assert notice["text"] == translate("da", PRIVATE_CHAT_ONLY)  # the sender's Telegram language
    assert LINK.findall(notice["text"]) == []
    assert nothing_new(chat.received, 1)
    assert backend_rows(stack, "SELECT id FROM conversations WHERE channel_address = $1", "-100880003") == []


def test_telegram_messages_carry_no_link_preview(stack, providers) -> None:
    chat = Chat(stack, providers, 880004)
    asked = chat.say("Jeg vil gerne søge om boligsikring")
    assert LINK.findall("\n".join(m["text"] for m in asked))
    assert all(m["link_preview_options"] == {"is_disabled": True} for m in asked)
