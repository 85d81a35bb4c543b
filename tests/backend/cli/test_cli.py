import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cli import COMMANDS, build_parser, main
from backend.config import Settings
from backend.dao.audit import dao_get_audit_entries
from backend.models.registers import Person
from backend.registers.seed import load_demo_data
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)

REPO = Path(__file__).resolve().parents[3]


async def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """main() runs its own event loop, so it runs in a thread here."""
    assert await asyncio.to_thread(main, list(argv)) == 0
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def _database_url(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_every_command_module_registers_a_subcommand() -> None:
    parser = build_parser()
    assert len(COMMANDS) == len(set(COMMANDS))
    for argv in (
        ["db", "upgrade"],
        ["demo", "seed"],
        ["applications", "list", "--json"],
        ["digest", "--now"],
        ["purge"],
    ):
        assert callable(parser.parse_args(argv).handler)


async def test_applications_list_json_prints_every_application_with_its_details(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    aviaja = await create_conversation(db, cpr=AVIAJA, language="kl")
    karin = await create_conversation(db, cpr=KARIN, channel="sms", language="sv")
    first = await submit_draft(db, aviaja, (await create_draft(db, aviaja, settings)).draft.id, settings)
    second = await submit_draft(
        db,
        karin,
        (await create_draft(db, karin, settings)).draft.id,
        settings,
        phone="58 77 66",
        dwelling_confirmed=False,
        corrections=[{"section": "dwelling", "text": "Hyran är 7 300 kr"}],
    )

    records = json.loads(await _run(capsys, "applications", "list", "--json"))

    assert [r["reference"] for r in records] == [first.application.reference, second.application.reference]
    karins = records[1]
    assert {k: karins[k] for k in ("cpr", "status", "language", "channel", "phone")} == {
        "cpr": KARIN,
        "status": "submitted",
        "language": "sv",
        "channel": "sms",
        "phone": "+299587766",
    }
    assert karins["month"] == second.application.period
    assert karins["submitted_at"] == second.application.submitted_at.isoformat()
    assert karins["confirmations"] == {"dwelling": False, "household": True}
    assert karins["corrections"] == [{"section": "dwelling", "text": "Hyran är 7 300 kr"}]
    assert karins["snapshot"]["dwelling"]["address"] == "Issortarfimmut 3, 1. tv., 3900 Nuuk"
    assert [m["name"] for m in karins["snapshot"]["household"]] == [
        "Karin Andersson",
        "Elsa Andersson",
        "Nils Andersson",
    ]


async def test_listing_applications_is_audited_per_person(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db)
    submission = await submit_draft(
        db, conversation, (await create_draft(db, conversation, settings)).draft.id, settings
    )
    await _run(capsys, "applications", "list", "--json")
    entries = await dao_get_audit_entries(db, action="application_listed")
    assert [(e.actor, e.person_cpr, e.application_reference) for e in entries] == [
        ("cli", AVIAJA, submission.application.reference)
    ]


async def test_the_plain_listing_masks_cpr_numbers(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db)
    await submit_draft(db, conversation, (await create_draft(db, conversation, settings)).draft.id, settings)
    out = await _run(capsys, "applications", "list")
    assert "070886-xxxx" in out and AVIAJA not in out


async def test_an_empty_listing_is_an_empty_json_list(
    capsys: pytest.CaptureFixture[str], db: AsyncSession
) -> None:
    assert json.loads(await _run(capsys, "applications", "list", "--json")) == []


async def test_demo_seed_loads_the_demo_registers(
    capsys: pytest.CaptureFixture[str], db: AsyncSession
) -> None:
    out = await _run(capsys, "demo", "seed")
    people = sum(len(h["members"]) for h in load_demo_data())
    assert f"{people} people" in out
    assert (await db.execute(select(func.count()).select_from(Person))).scalar_one() == people
    assert [e.actor for e in await dao_get_audit_entries(db, action="demo_registers_seeded")] == ["cli"]


def test_db_upgrade_brings_a_fresh_sqlite_database_to_head_through_the_installed_command(
    tmp_path: Path,
) -> None:
    database = tmp_path / "fresh.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    command = [str(Path(sys.executable).with_name("inissiaq"))]
    upgrade = subprocess.run([*command, "db", "upgrade"], env=env, cwd=REPO, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    seeded = subprocess.run([*command, "demo", "seed"], env=env, cwd=REPO, capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    listing = subprocess.run(
        [*command, "applications", "list", "--json"], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    assert json.loads(listing.stdout) == []


def test_an_unknown_command_exits_with_usage() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
