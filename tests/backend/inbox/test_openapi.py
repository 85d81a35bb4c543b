"""The caseworker API's description is built from the code: every route is in it, with typed answers
and every status code it can give; input is read with the same models (400/413/415 as JSON errors)."""

from __future__ import annotations

import json

from backend.inbox.openapi import ADMIN, ADMIN_TAG, PREFIX, build_document, documented_routes, operation_of
from tests.backend.inbox.factories import create_caseworker, log_in


def test_every_route_under_the_api_prefix_is_in_the_description(app) -> None:
    document = build_document(app)
    routes = documented_routes(app)
    assert len(routes) > 30
    undescribed = [
        f"{method.upper()} {path}" for method, path, handler in routes if operation_of(handler) is None
    ]
    assert undescribed == [], f"routes without @operation: {undescribed}"
    in_document = {(method, path) for path, item in document["paths"].items() for method in item}
    assert {(method, path) for method, path, _ in routes} == in_document


def test_every_operation_describes_its_answers_with_schemas(app) -> None:
    document = build_document(app)
    schemas = document["components"]["schemas"]
    assert set(schemas["Error"]["required"]) == {"error", "message"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"], where
            assert not any(code == "default" for code in operation["responses"]), where
            for code, response in operation["responses"].items():
                assert response.get("content"), f"{where} {code} has no schema"
                if int(code) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, f"{where} {code}"
            codes = set(operation["responses"])
            if path != "/login" and path != "/openapi.json" and path != "/oauth/token":
                assert "401" in codes, where
            if method in ("post", "patch", "put", "delete") and "security" in operation:
                assert "403" in codes, f"{where}: the CSRF token is checked"
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
    login = document["paths"]["/login"]["post"]["responses"]
    assert {"200", "400", "401", "413", "415", "429"} <= set(login)
    decision = document["paths"]["/applications/{reference}/take-over"]["post"]["responses"]
    assert "409" in decision
    refs = json.dumps(document).count('"#/components/schemas/')
    assert refs > 50
    for ref in {r.split('"')[0] for r in json.dumps(document).split('"#/components/schemas/')[1:]}:
        assert ref in schemas, ref


def test_the_administrators_operations_are_tagged_and_answer_403_to_other_caseworkers(app) -> None:
    document = build_document(app)
    tagged = {
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if ADMIN_TAG in operation.get("tags", [])
    }
    admin_only = {
        (method, path)
        for method, path, handler in documented_routes(app)
        if (op := operation_of(handler)) is not None and op.auth == ADMIN
    }
    assert len(admin_only) > 10
    assert tagged == admin_only
    for method, path in tagged:
        assert "403" in document["paths"][path][method]["responses"], f"{method.upper()} {path}"


async def test_the_description_is_served_without_login(app) -> None:
    _, response = await app.asgi_client.get(f"{PREFIX}/openapi.json")
    assert response.status == 200
    assert response.json["openapi"] == "3.1.0"
    assert response.json["paths"] == json.loads(json.dumps(build_document(app)["paths"]))


async def test_bad_bodies_get_400_413_415_as_json_errors_naming_the_field_not_its_value(app, db) -> None:
    await create_caseworker(db, username="ivalo", role="administrator")
    session = await log_in(app, "ivalo")
    url = f"{PREFIX}/admin/canned-texts"
    _, wrong_type = await app.asgi_client.post(
        url, json={"language": "xx-secret", "title": "t", "text": "x"}, headers=session.headers
    )
    assert wrong_type.status == 400 and wrong_type.json["error"] == "invalid_input"
    assert "language" in wrong_type.json["message"] and "xx-secret" not in wrong_type.json["message"]
    _, unknown = await app.asgi_client.post(
        url, json={"language": "da", "title": "t", "text": "x", "extra": 1}, headers=session.headers
    )
    assert unknown.status == 400 and "extra" in unknown.json["message"]
    _, not_json = await app.asgi_client.post(
        url, content=b"{nope", headers={**session.headers, "content-type": "application/json"}
    )
    assert not_json.status == 400 and not_json.json["error"] == "invalid_input"
    _, form = await app.asgi_client.post(
        url, content=b"language=da", headers={**session.headers, "content-type": "text/plain"}
    )
    assert form.status == 415 and form.json["error"] == "unsupported_media_type"
    _, large = await app.asgi_client.post(
        url,
        content=json.dumps({"language": "da", "title": "t", "text": "x" * 70_000}).encode(),
        headers={**session.headers, "content-type": "application/json"},
    )
    assert large.status == 413 and large.json["error"] == "too_large"
    _, created = await app.asgi_client.post(
        url, json={"language": "da", "title": "Tak", "text": "Tak for din besked."}, headers=session.headers
    )
    assert created.status == 201 and set(created.json) == {"id", "language", "title", "text"}


async def test_bad_query_parameters_get_400(app, db) -> None:
    await create_caseworker(db, username="pipaluk")
    session = await log_in(app, "pipaluk")
    _, response = await app.asgi_client.get(f"{PREFIX}/applications?filter=bogus", headers=session.headers)
    assert response.status == 400 and "filter" in response.json["message"]
    _, fine = await app.asgi_client.get(f"{PREFIX}/applications?filter=new", headers=session.headers)
    assert fine.status == 200 and fine.json == {"filter": "new", "applications": []}


async def test_an_integer_id_no_row_can_have_is_not_found_rather_than_a_database_error(app, db) -> None:
    await create_caseworker(db, username="pipaluk")
    session = await log_in(app, "pipaluk")
    for url in (f"{PREFIX}/threads/2864568702073416984888868864", f"{PREFIX}/threads/0"):
        _, response = await app.asgi_client.get(url, headers=session.headers)
        assert response.status == 404 and response.json["error"] == "not_found", url
    schema = build_document(app)["paths"]["/threads/{thread_id}"]["get"]["parameters"][0]["schema"]
    assert schema == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
