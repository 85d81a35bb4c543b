"""A citizen who does not follow the script still gets the application stored.

For every case of `off_script.toml` and every language, one citizen applies through
`POST /api/chat/messages` (real model, action server and backend) and, at every step of the
application form, first writes the case's text and then answers normally. Every run must end with
the application stored, within a few extra turns; no turn may be the empty apology or the "not
understood" answer, no turn may have more than a few messages, and after an off-script message the
same question must come back (unless the case is a real answer to that step).

The citizens are synthetic tenants added to the stack's register for this test (one application per
person and month), and run a few at a time. The completion rate per language is printed and written to
`var/test-results/dialogue_robustness.json`; docs/dialogue.md reports it.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomllib

from backend.channels import texts as gateway_texts
from backend.nlg.render import render_response, translate
from scripts.stack import ROOT, Stack
from tests.conftest import Citizen, applications

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).with_name("off_script.toml")
RESULTS = ROOT / "var" / "test-results" / "dialogue_robustness.json"
LANGUAGES = ("kl", "da", "sv")
STEPS = ("dwelling", "household", "phone", "submit")
# The words that name each step's question (the contract of the question texts).
TOPICS = {
    "dwelling": ("bolig", "bostad", "ineqarfi"),
    "household": ("husstand", "hushåll", "ilaqutariin"),
    "phone": ("telefon", "oqarasuaat"),
    "submit": ("send", "skicka", "nassiut"),
}
APPLY = {
    "kl": "Boligsikringimik qinnuteqarusuppunga",
    "da": "Jeg vil gerne søge om boligsikring",
    "sv": "Jag vill ansöka om bostadsbidrag",
}
YES = {"kl": "aap", "da": "ja", "sv": "ja"}
# The number each citizen gives when asked for one, written the way people in that language write it.
PHONE = {
    "kl": ("52 12 34", "+299521234"),
    "da": ("20 12 34 56", "+4520123456"),
    "sv": ("070-123 45 67", "+46701234567"),
}
MAX_MESSAGES = 4  # "a few": a hint or an answer, the summary, the question
EXTRA_TURNS = 2  # allowed beyond one answer and one off-script message per step
WORKERS = 3
REFERENCE = re.compile(r"\bBS-[0-9A-Z]{4,}\b")


@dataclass
class Case:
    kind: str
    text: dict[str, str]
    answers: tuple[str, ...] = ()


@dataclass
class Run:
    language: str
    kind: str
    cpr: str
    register_phone: str | None
    stored: bool = False
    reference: str | None = None
    turns: int = 0
    most_messages: int = 0
    problems: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)


def load_cases() -> list[Case]:
    raw = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]
    return [
        Case(c["kind"], {lang: str(c[lang]) for lang in LANGUAGES}, tuple(c.get("answers") or ()))
        for c in raw
    ]


def pending_step(message: dict[str, Any]) -> str | None:
    """The step whose question this message is (a question names exactly one topic)."""
    text = (message.get("text") or "").lower()
    named = [step for step, words in TOPICS.items() if any(word in text for word in words)]
    return named[0] if len(named) == 1 else None


def payloads(message: dict[str, Any]) -> list[str]:
    return [b.get("payload") or "" for b in message.get("buttons") or []]


def forbidden_texts() -> dict[str, str]:
    """The empty apology and the "not understood" answer, in every language."""
    found = {}
    for language in LANGUAGES:
        found[translate(language, gateway_texts.TRY_AGAIN)] = "the empty apology"
        found[render_response("utter_default", language).text] = "the not-understood answer"
    return found


def synthetic_households(count: int) -> list[dict[str, Any]]:
    """INI A/S tenants in kl, da and sv; every second one has a phone in the register."""
    households = []
    for index in range(count):
        language = LANGUAGES[index % len(LANGUAGES)]
        cpr = f"{index % 28 + 1:02d}{index // 28 + 1:02d}81{4100 + index:04d}"
        member: dict[str, Any] = {
            "cpr": cpr,
            "name": f"Testperson {index + 1:02d}",
            "relation": "self",
            "birth_year": 1981,
        }
        if index % 2 == 0:
            member["phone"] = f"+29955{index:04d}"
        households.append(
            {
                "language": language,
                "address": f"Testvej {index + 1}, 3900 Nuuk",
                "tenancy": {
                    "landlord": "INI A/S",
                    "rooms": 2,
                    "rent_monthly": "5200.00",
                    "move_in": "2020-01-01",
                    "tenant_number": f"INI-9{index:04d}",
                },
                "members": [member],
            }
        )
    return households


def add_to_register(stack: Stack, households: list[dict[str, Any]], directory: Path) -> None:
    from backend.db import create_engine, create_session_factory
    from backend.registers.seed import seed_demo_registers

    path = directory / "off_script_people.json"
    path.write_text(json.dumps({"households": households}), encoding="utf-8")

    async def seed() -> None:
        engine = create_engine(stack.database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
        try:
            async with create_session_factory(engine)() as db:
                await seed_demo_registers(db, path)
                await db.commit()
        finally:
            await engine.dispose()

    asyncio.run(seed())


def run_citizen(stack: Stack, case: Case, run: Run, forbidden: dict[str, str]) -> Run:
    """One citizen through the whole form, off script once at every step."""
    language = run.language
    citizen = Citizen(stack, language=language)
    try:
        citizen.login(run.cpr)
        off_script_done: set[str] = set()
        reply = say(citizen, run, APPLY[language], forbidden, first=True)
        budget = 2 * len(STEPS) + EXTRA_TURNS
        while run.turns <= budget:
            if run.reference:
                return run
            step = pending_step(reply[-1])
            if step is None:
                run.problems.append(
                    f"turn {run.turns}: the reply does not end with a question: {reply[-1]!r}"
                )
                return run
            if step not in off_script_done:
                off_script_done.add(step)
                reply = say(citizen, run, case.text[language], forbidden)
                if run.reference:
                    continue
                again = pending_step(reply[-1])
                if again != step and step not in case.answers:
                    run.problems.append(
                        f"turn {run.turns}: after {case.text[language]!r} at {step} came {again}"
                    )
                elif again == step and len(reply) < 2:
                    run.problems.append(f"turn {run.turns}: only the question came back, no answer or hint")
                continue
            if step == "phone" and not any("affirm" in p for p in payloads(reply[-1])):
                reply = say(citizen, run, PHONE[language][0], forbidden)
            else:
                reply = say(citizen, run, YES[language], forbidden)
        if not run.reference:
            run.problems.append(f"not sent after {run.turns} turns")
        return run
    except AssertionError as error:  # a failed HTTP call: recorded, the other citizens go on
        run.problems.append(str(error))
        return run
    finally:
        citizen.close()


def say(
    citizen: Citizen, run: Run, text: str, forbidden: dict[str, str], *, first: bool = False
) -> list[dict[str, Any]]:
    reply = citizen.say(text)
    run.turns += 0 if first else 1
    run.transcript.append(f"> {text}")
    run.transcript += [f"< {m.get('text')!r} {payloads(m)}" for m in reply]
    for message in reply:
        for bad, name in forbidden.items():
            if bad in (message.get("text") or ""):
                run.problems.append(f"turn {run.turns}: {name} after {text!r}")
        found = REFERENCE.search(message.get("text") or "")
        if found:
            run.reference = found.group(0)
    if not first:
        run.most_messages = max(run.most_messages, len(reply))
        if len(reply) > MAX_MESSAGES:
            run.problems.append(f"turn {run.turns}: {len(reply)} messages after {text!r}")
    return reply


@pytest.fixture(scope="module")
def off_script_runs(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Run]]:
    cases = load_cases()
    households = synthetic_households(len(cases) * len(LANGUAGES))
    add_to_register(stack, households, tmp_path_factory.mktemp("register"))
    by_language: dict[str, list[dict[str, Any]]] = {
        lang: [h for h in households if h["language"] == lang] for lang in LANGUAGES
    }
    plan = []
    for language in LANGUAGES:
        for case, household in zip(cases, by_language[language], strict=True):
            member = household["members"][0]
            plan.append((case, Run(language, case.kind, member["cpr"], member.get("phone"))))
    forbidden = forbidden_texts()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        runs = list(pool.map(lambda item: run_citizen(stack, item[0], item[1], forbidden), plan))
    seconds = time.monotonic() - started
    stored = {a["cpr"]: a for a in applications(stack)}
    for run in runs:
        application = stored.get(run.cpr)
        run.stored = application is not None and application["reference"] == run.reference
    report(runs, seconds)
    yield runs


def report(runs: list[Run], seconds: float) -> None:
    summary = {
        language: {
            "stored": sum(r.stored for r in runs if r.language == language),
            "runs": sum(1 for r in runs if r.language == language),
            "clean": sum(r.stored and not r.problems for r in runs if r.language == language),
            "most_messages_in_a_turn": max(
                (r.most_messages for r in runs if r.language == language), default=0
            ),
            "most_turns": max((r.turns for r in runs if r.language == language), default=0),
        }
        for language in LANGUAGES
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"summary": summary, "seconds": round(seconds), "runs": [asdict(r) for r in runs]},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    lines = [
        f"{lang}: {s['stored']}/{s['runs']} stored, {s['clean']} without a problem"
        for lang, s in summary.items()
    ]
    print(
        f"\noff-script completion in {seconds:.0f} s: "
        + "; ".join(lines)
        + f" (details: {RESULTS.relative_to(ROOT)})"
    )


def test_every_off_script_citizen_gets_the_application_stored(off_script_runs: list[Run]) -> None:
    lost = [
        f"{r.language} {r.kind}: {r.problems}\n" + "\n".join(r.transcript)
        for r in off_script_runs
        if not r.stored
    ]
    assert lost == [], "\n\n".join(lost)


def test_no_turn_is_an_apology_a_flood_or_a_question_that_does_not_come_back(
    off_script_runs: list[Run],
) -> None:
    problems = [
        f"{r.language} {r.kind}: {r.problems}\n" + "\n".join(r.transcript)
        for r in off_script_runs
        if r.problems
    ]
    assert problems == [], "\n\n".join(problems)


def test_the_stored_application_has_the_citizens_answers(stack: Stack, off_script_runs: list[Run]) -> None:
    stored = {a["cpr"]: a for a in applications(stack)}
    for run in off_script_runs:
        application = stored[run.cpr]
        assert application["confirmations"] == {"dwelling": True, "household": True}, run.kind
        assert application["language"] == run.language
        # the register's number confirmed, or the number the citizen wrote (also the off-script one)
        assert application["phone"] in {run.register_phone, PHONE[run.language][1]}, (run.kind, run.language)


@pytest.mark.parametrize(("language", "said"), [("kl", "aap"), ("da", "nej"), ("sv", "ja")])
def test_a_bare_yes_or_no_with_nothing_pending_gets_the_main_options(
    stack: Stack, language: str, said: str
) -> None:
    citizen = Citizen(stack, language=language)
    try:
        reply = citizen.say(said)
    finally:
        citizen.close()
    options = render_response("utter_main_options", language)
    assert [m.get("text") for m in reply] == [options.text]
    assert payloads(reply[-1]) == [
        "/apply_housing_benefit",
        "/check_status",
        "/read_messages",
        "/help",
        "/talk_to_human",
    ]
