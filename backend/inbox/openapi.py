"""OpenAPI 3.1 description of the caseworker API, served at /api/caseworker/openapi.json."""

from __future__ import annotations

from typing import Any


def _op(
    summary: str, *, body: dict[str, Any] | None = None, admin: bool = False, params: list[str] | None = None
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {"description": "OK"},
            "401": {"description": "no valid caseworker session"},
            **({"403": {"description": "administrators only, or missing CSRF token"}} if admin else {}),
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        operation["parameters"] = [
            {
                "name": name,
                "in": "path" if name in ("reference", "cid", "id") else "query",
                "required": name in ("reference", "cid", "id"),
                "schema": {"type": "string"},
            }
            for name in params
        ]
    return operation


def _obj(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: ({"type": v} if isinstance(v, str) else v) for k, v in properties.items()},
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "inissiaq caseworker API",
        "version": "1",
        "description": (
            "Session cookie from POST /login; every POST/PATCH/DELETE needs the session's CSRF token in "
            "the X-CSRF-Token header. Every read of personal data is written to the audit log."
        ),
    },
    "servers": [{"url": "/api/caseworker"}],
    "paths": {
        "/login": {
            "post": {
                **_op(
                    "Log in with password and TOTP (or an SMS code: first {method: sms}, then {sms_code})",
                    body=_obj(
                        username="string",
                        password="string",  # noqa: S106 - a schema type
                        totp="string",
                        sms_code="string",
                        method={"enum": ["sms"]},
                    ),
                ),
                "responses": {
                    "200": {"description": "session cookie set; body has csrf_token"},
                    "401": {"description": "login failed"},
                    "429": {"description": "too many failed logins"},
                },
            }
        },
        "/logout": {"post": _op("End the session")},
        "/me": {"get": _op("The logged-in caseworker and the CSRF token")},
        "/applications": {"get": _op("Applications with flags", params=["filter"])},
        "/applications/{reference}": {
            "get": _op(
                "Detail: snapshot, confirmations, corrections, register data, contact, transcript, history, messages",
                params=["reference"],
            )
        },
        "/applications/{reference}/assign": {
            "post": _op(
                "Assign or reassign (null: shared queue)",
                body=_obj(caseworker_id={"type": ["integer", "null"]}),
                params=["reference"],
            )
        },
        "/applications/{reference}/take-over": {
            "post": _op("Mark as taken over into the case system; answers the export", params=["reference"])
        },
        "/applications/{reference}/export.json": {
            "get": _op("Export for the case system (JSON), with journaled messages", params=["reference"])
        },
        "/applications/{reference}/export.pdf": {
            "get": _op("Export for the case system (PDF), with journaled messages", params=["reference"])
        },
        "/applications/{reference}/decision": {
            "post": _op(
                "Record the decision",
                body=_obj(
                    decision={"enum": ["granted", "refused"]}, decided_on={"type": "string", "format": "date"}
                ),
                params=["reference"],
            )
        },
        "/messages": {
            "post": _op(
                "Write a secure message; the citizen gets one neutral notification",
                body=_obj(cpr="string", application_reference="string", text="string"),
            ),
            "get": _op(
                "Messages with a citizen, each with read_at and its notifications",
                params=["cpr", "application_reference"],
            ),
        },
        "/messages/{id}/journal": {"post": _op("Journal a message (included in the export)", params=["id"])},
        "/threads": {
            "get": _op(
                "Message threads, newest first (filter: unanswered = the citizen wrote last, or all)",
                params=["filter"],
            )
        },
        "/threads/{id}": {
            "get": _op("A thread's citizen and every message with them (marks theirs read)", params=["id"])
        },
        "/canned-texts": {"get": _op("Canned texts", params=["language"])},
        "/live": {"get": _op("Conversations waiting for or owned by a person")},
        "/live/{cid}": {"get": _op("The conversation's recent transcript", params=["cid"])},
        "/live/{cid}/take": {
            "post": {**_op("Take a waiting conversation (409 when someone else took it)", params=["cid"])}
        },
        "/live/{cid}/messages": {
            "post": _op("Write into the conversation you own", body=_obj(text="string"), params=["cid"])
        },
        "/live/{cid}/close": {"post": _op("Hand the conversation back to the bot", params=["cid"])},
        "/events": {"get": _op("Server-sent events: application, message, live (counts only)")},
        "/admin/caseworkers": {
            "get": _op("Caseworkers", admin=True),
            "post": _op(
                "Create a caseworker (answers the TOTP secret once)",
                admin=True,
                body=_obj(
                    username="string",
                    password="string",  # noqa: S106 - a schema type
                    role={"enum": ["caseworker", "administrator"]},
                    email="string",
                    phone="string",
                    designated_for_digest="boolean",
                ),
            ),
        },
        "/admin/caseworkers/{id}": {
            "patch": _op(
                "Change role, digest designation, active, contact data, password", admin=True, params=["id"]
            )
        },
        "/admin/routing-rules": {
            "get": _op("Routing rules by CPR birthday", admin=True),
            "post": _op(
                "Add a rule {from: dd.mm, to: dd.mm, caseworker_id}",
                admin=True,
                body=_obj(**{"from": "string", "to": "string", "caseworker_id": "integer"}),
            ),
        },
        "/admin/routing-rules/{id}": {"delete": _op("Remove a rule", admin=True, params=["id"])},
        "/admin/canned-texts": {
            "post": _op(
                "Add a canned text",
                admin=True,
                body=_obj(language={"enum": ["kl", "da", "sv"]}, title="string", text="string"),
            )
        },
        "/admin/canned-texts/{id}": {"delete": _op("Remove a canned text", admin=True, params=["id"])},
        "/admin/audit": {
            "get": _op(
                "The audit log, filtered",
                admin=True,
                params=["actor", "action", "cpr", "reference", "since", "until"],
            )
        },
        "/admin/outbox": {
            "get": _op("Outbound messages by state, without their text", admin=True, params=["status"])
        },
        "/bindings": {
            "post": _op(
                "Bind a phone number to a person whose identity was checked in person",
                body=_obj(cpr="string", phone="string"),
            )
        },
        "/bindings/unbind": {
            "post": _op(
                "Unbind a phone number or Telegram chat",
                body=_obj(channel={"enum": ["sms", "telegram"]}, address="string"),
            )
        },
    },
}
