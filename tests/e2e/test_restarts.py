"""Restarts in the middle of an application: Rasa, then the action server, then the backend web instance.

A citizen is in the middle of the application form when a service is stopped and started again.
Nothing the conversation needs lives in a process: Rasa's tracker is in its SQL tracker store, the
draft and the web session are rows in the backend's database. After each restart the citizen writes
something off script first (the same question must come back, so the form is at the same step),
then answers, and in the end exactly one application is stored.

This test has its own stack (its processes are stopped and started), on fresh databases.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from backend.channels import texts as gateway_texts
from backend.nlg.render import render_response, translate
from scripts.model import model_path
from scripts.stack import Stack, free_port
from tests.conftest import (
    DEV_PASSWORD,
    DEV_TOTP_SECRET,
    Citizen,
    _create_database,
    _drop_database,
    applications_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.own_stack]

EMMA = "1407943816"  # Iserit A/S tenant with a Danish mobile number in the register
RESTART_TIMEOUT = 300


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = model_path()
    if not model.exists():
        raise RuntimeError(f"no trained model at {model}: run `make model` (make test does it)")
    suffix = uuid.uuid4().hex[:8]
    names = [f"inissiaq_restart_{suffix}", f"inissiaq_restart_rasa_{suffix}"]
    backend_db = _create_database(names[0])
    rasa_db = _create_database(names[1])
    stack = Stack(
        model=model,
        database_url=backend_db,
        var_dir=tmp_path_factory.mktemp("restart-stack"),
        backend_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        mode="development",
        extra_env={
            "RASA_TRACKER_DB": rasa_db.rsplit("/", 1)[1],
            "DEV_PASSWORD": DEV_PASSWORD,
            "DEV_TOTP_SECRET": DEV_TOTP_SECRET,
            "NEW_SESSIONS_PER_MINUTE": "1000",
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=RESTART_TIMEOUT)
        yield stack
    finally:
        stack.stop()
        for name in names:
            _drop_database(name)


def last_question(reply: list[dict[str, Any]]) -> str:
    return reply[-1].get("text") or ""


def test_a_citizen_continues_at_the_same_step_after_each_restart_and_one_application_is_stored(
    own_stack: Stack,
) -> None:
    def rendered(name: str, **arguments: Any) -> str:
        return render_response(name, "da", arguments, "gateway").text

    citizen = Citizen(own_stack, language="da")
    try:
        citizen.login(EMMA)
        draft = citizen.say("Jeg vil gerne søge om boligsikring")
        assert last_question(draft) == rendered("utter_ask_dwelling_confirmed")
        assert last_question(citizen.say("ja")) == rendered("utter_ask_household_confirmed")

        for service, pending, answer, next_question in (
            (
                "rasa",
                "utter_ask_household_confirmed",
                "ja",
                rendered("utter_ask_phone_known", register_phone="+4521436587"),
            ),
            ("actions", "utter_ask_phone_known", "ja", rendered("utter_ask_submit_confirmed")),
            ("backend", "utter_ask_submit_confirmed", "ja", None),
        ):
            own_stack.restart(service)
            own_stack.wait_ready(timeout=RESTART_TIMEOUT)
            again = citizen.say("hvad?")
            assert translate("da", gateway_texts.TRY_AGAIN) not in " ".join(
                m.get("text") or "" for m in again
            )
            expected = rendered(pending, register_phone="+4521436587")
            assert last_question(again) == expected, f"after restarting {service}: {again}"
            reply = citizen.say(answer)
            if next_question is not None:
                assert last_question(reply) == next_question, f"after restarting {service}: {reply}"

        [application] = applications_of(own_stack, EMMA)
        assert application["reference"] in " ".join(m.get("text") or "" for m in reply)
        assert application["phone"] == "+4521436587"
        assert application["confirmations"] == {"dwelling": True, "household": True}
        assert len(applications_of(own_stack, EMMA)) == 1
    finally:
        citizen.close()
