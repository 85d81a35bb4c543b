"""`inissiaq clients`: create prints the id and secret once; rotate, revoke and list; each audited."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cli import main
from backend.machine.clients import issue_token, secret_hash
from backend.models.audit import AuditEntry
from backend.models.machine_clients import MachineClient


async def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = await asyncio.to_thread(main, list(argv))
    return code, capsys.readouterr().out


def _field(output: str, name: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(f"{name}: "))


async def test_clients_create_rotate_revoke_and_list(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys, db: AsyncSession, settings
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    code, out = await _run(
        capsys, "clients", "create", "--name", "winformatik", "--scopes", "applications:read,messages:write"
    )
    assert code == 0, out
    client_id, secret = _field(out, "client_id"), _field(out, "client_secret")
    stored = await db.get(MachineClient, client_id)
    assert (
        stored is not None
        and stored.secret_hash == secret_hash(secret)
        and stored.scopes == "applications:read messages:write"
    )
    issued = await issue_token(
        db, client_id=client_id, client_secret=secret, scope=None, settings=settings, address="t"
    )
    assert issued.scopes == ["applications:read", "messages:write"]

    code, out = await _run(
        capsys, "clients", "create", "--name", "winformatik", "--scopes", "applications:read"
    )
    assert code == 1 and "exists" in out
    code, out = await _run(capsys, "clients", "create", "--name", "x", "--scopes", "root")
    assert code == 1 and "scope" in out

    code, out = await _run(capsys, "clients", "rotate", client_id)
    assert code == 0 and _field(out, "client_secret") != secret
    code, out = await _run(capsys, "clients", "list")
    assert client_id in out and "active" in out and secret not in out
    code, out = await _run(capsys, "clients", "revoke", client_id)
    assert code == 0
    code, out = await _run(capsys, "clients", "list")
    assert "revoked" in out
    code, out = await _run(capsys, "clients", "rotate", "mc_unknown")
    assert code == 1

    actions = (await db.execute(select(AuditEntry.action).where(AuditEntry.actor == "cli"))).scalars()
    assert list(actions) == ["machine_client_created", "machine_client_rotated", "machine_client_revoked"]
