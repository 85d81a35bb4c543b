"""The caseworker API's OpenAPI 3.1 description, built from the code and served at
/api/caseworker/openapi.json.

Every route under /api/caseworker declares its operation with `@operation`, placed *under* the route
decorator. The request and response models are pydantic models (`backend/inbox/schemas.py`); the
handler reads its input with the same models and answers with them, so the description cannot say
something the code does not do::

    from backend.inbox.openapi import CASEWORKER, operation, read_body, reply
    from backend.inbox.schemas import AssignRequest, AssignResult

    @bp.post("/applications/<reference:str>/assign")
    @operation(
        "Assign or reassign an application (null: the shared queue)",
        auth=CASEWORKER,
        request=AssignRequest,
        responses={200: AssignResult, 404: "no such application", 409: "already decided"},
    )
    async def assign(request: Request, reference: str) -> JSONResponse:
        principal = await authenticate(request)
        body = read_body(request, AssignRequest)
        application = await inbox_applications.assign(db, principal.caseworker, reference, body.caseworker_id)
        return reply(AssignResult(reference=reference, ...))

`responses` maps a status code to a pydantic model (a JSON answer of that shape; a tuple of models
when it answers one of several shapes), to a string (an
error answer with the `Error` shape and that description) or to a `Content` (another media type,
e.g. a PDF). Besides those, the description lists what every operation can answer anyway:
- 400, 413, 415 when it has a request body (`read_body`); 400 when it has a query model (`read_query`);
- 401 unless `auth=PUBLIC`; 403 for `auth=ADMIN`, for unsafe methods (the CSRF token) and when
  `scopes` are given (a machine client's token without the scope);
- 404 when the path has parameters (the router answers 404 for a value of the wrong type; an integer
  id outside 1..2**31-1 is answered 404 before the handler runs).
`query=Model` documents (and `read_query` reads) query parameters from the model's fields; `scopes`
names the OAuth scopes a machine client's Bearer token needs for this operation. Operations with
`scopes` are tagged `machine clients`, those with `auth=ADMIN` `administrators`.

`tests/backend/inbox/test_openapi.py` fails when a route under /api/caseworker has no `@operation`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema
from sanic import Request, Sanic
from sanic.response import JSONResponse, json

from backend.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType

PREFIX = "/api/caseworker"
MAX_BODY_BYTES = 64 * 1024
MAX_ID = 2**31 - 1  # integer ids in paths: PostgreSQL's `integer`
MACHINE_TAG = "machine clients"  # the tag of operations a machine client's token may call
ADMIN_TAG = "administrators"  # the tag of operations only an administrator's session may call

PUBLIC = "public"  # no login (the login itself, this description)
CASEWORKER = "caseworker"  # a caseworker's session (or a machine client's token with `scopes`)
ADMIN = "admin"  # an administrator's session
Auth = Literal["public", "caseworker", "admin"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
M = TypeVar("M", bound=BaseModel)
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class Error(BaseModel):
    """Every error answer (`backend.errors`): a stable code, a human-readable message, for 429 the
    seconds to wait; some errors add context (e.g. the current `status` of an illegal transition)."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str
    retry_after: int | None = None


@dataclass(frozen=True)
class Content:
    """An answer that is not a JSON model: a file or a stream."""

    media_type: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


Response = type[BaseModel] | tuple[type[BaseModel], ...] | str | Content


@dataclass(frozen=True)
class Operation:
    summary: str
    auth: Auth
    responses: Mapping[int, Response]
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    scopes: tuple[str, ...] = ()
    description: str | None = None


def operation(
    summary: str,
    *,
    auth: Auth,
    responses: Mapping[int, Response],
    request: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    scopes: tuple[str, ...] = (),
    description: str | None = None,
) -> Callable[[Handler], Handler]:
    """Attach the operation's description to a route handler (see the module docstring)."""
    op = Operation(summary, auth, dict(responses), request, query, tuple(scopes), description)

    def attach(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **params: Any) -> Any:
            # An integer id in the path that no row can have (the columns are 32-bit) is not found,
            # rather than an error from the database.
            for value in params.values():
                if isinstance(value, int) and not 0 < value <= MAX_ID:
                    raise NotFound("not found")
            return await handler(request, *args, **params)

        checked.__operation__ = op  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return attach


def operation_of(handler: Any) -> Operation | None:
    return getattr(handler, "__operation__", None)


# --- reading input and writing answers ---------------------------------------------------------


def read_body(request: Request, model: type[M]) -> M:
    """The JSON body as `model`: 413 when too large, 415 when it is sent as something other than
    JSON, 400 (naming the fields, never their values) when it is not valid. An empty body is `{}`."""
    raw = request.body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body larger than {MAX_BODY_BYTES} bytes")
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType("request body must be application/json")
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise InvalidInput(_problems(exc)) from exc


def read_query(request: Request, model: type[M]) -> M:
    """The query parameters as `model` (the first value of each); 400 when they are not valid."""
    values = {name: request.args.get(name) for name in request.args}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc)) from exc


def reply(model: BaseModel, *, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return json(model.model_dump(mode="json"), status=status, headers=dict(headers or {}))


def _problems(exc: ValidationError) -> str:
    """What is wrong, by field; the submitted values are left out (they may be personal data)."""
    parts = []
    for problem in exc.errors(include_url=False, include_input=False)[:10]:
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


# --- the document ------------------------------------------------------------------------------

_PARAM = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z0-9_]+))?>")
_STANDARD: dict[int, str] = {
    400: "invalid input",
    401: "no valid caseworker session (or machine token)",
    403: "not allowed: administrators only, missing CSRF token, or missing scope",
    404: "not found",
    413: "request body too large",
    415: "request body is not JSON",
}


def documented_routes(app: Sanic) -> list[tuple[str, str, Any]]:
    """(method, OpenAPI path, handler) of every route under the API prefix."""
    found = []
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append((method.lower(), _PARAM.sub(r"{\1}", path[len(PREFIX) :]) or "/", route.handler))
    return found


def build_document(app: Sanic) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under the prefix that declares an `@operation`."""
    operations: list[tuple[str, str, str, Operation]] = []
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not path.startswith(PREFIX + "/"):
            continue
        op = operation_of(route.handler)
        if op is None:
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            operations.append((method, path[len(PREFIX) :], route.name, op))

    wanted: set[tuple[type[BaseModel], str]] = {(Error, "serialization")}
    for _, _, _, op in operations:
        for answer in op.responses.values():
            if isinstance(answer, type):
                wanted.add((answer, "serialization"))
            elif isinstance(answer, tuple):
                wanted.update((m, "serialization") for m in answer)
        if op.request:
            wanted.add((op.request, "validation"))
    keyed = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, schema = models_json_schema(keyed, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    components: dict[str, Any] = dict(schema.get("$defs", {}))

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for method, raw_path, name, op in sorted(operations, key=lambda o: (o[1], o[0])):
        openapi_path = _PARAM.sub(r"{\1}", raw_path)
        entry: dict[str, Any] = {"operationId": name.rsplit(".", 1)[-1], "summary": op.summary}
        tags = ([MACHINE_TAG] if op.scopes else []) + ([ADMIN_TAG] if op.auth == ADMIN else [])
        if tags:
            entry["tags"] = tags
        if op.description:
            entry["description"] = op.description
        parameters = [
            {
                "name": param,
                "in": "path",
                "required": True,
                "schema": (
                    {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                    if kind == "int"
                    else {"type": "string", "minLength": 1}
                ),
            }
            for param, kind in _PARAM.findall(raw_path)
        ]
        if op.query:
            query_schema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(query_schema.get("$defs", {}))
            required = set(query_schema.get("required", []))
            for param, prop in query_schema.get("properties", {}).items():
                parameters.append(
                    {"name": param, "in": "query", "required": param in required, "schema": prop}
                )
        if parameters:
            entry["parameters"] = parameters
        if op.request:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.request, "validation")}},
            }
        codes: dict[int, Response] = {}
        if op.request:
            codes.update({400: _STANDARD[400], 413: _STANDARD[413], 415: _STANDARD[415]})
        if op.query:
            codes[400] = _STANDARD[400]
        if op.auth != PUBLIC:
            codes[401] = _STANDARD[401]
            if op.auth == ADMIN or method not in SAFE_METHODS or op.scopes:
                codes[403] = _STANDARD[403]
        if parameters and any(p["in"] == "path" for p in parameters):
            codes[404] = _STANDARD[404]
        codes.update(op.responses)
        entry["responses"] = {str(code): _response(codes[code], ref) for code in sorted(codes)}
        if op.auth != PUBLIC:
            security: list[dict[str, list[str]]] = [
                {"session": [], "csrf": []} if method not in SAFE_METHODS else {"session": []}
            ]
            if op.scopes:
                security.append({"client_credentials": list(op.scopes)})
            entry["security"] = security
        paths.setdefault(openapi_path, {})[method.lower()] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "inissiaq caseworker API",
            "version": "2",
            "description": (
                "A caseworker's session cookie from POST /login, and on every POST/PATCH/DELETE the "
                "session's CSRF token in the X-CSRF-Token header; or a machine client's Bearer token "
                "(OAuth 2.0 client credentials) with the operation's scope. Every read of personal "
                "data is written to the audit log. Errors answer the Error schema."
            ),
        },
        "servers": [{"url": PREFIX}],
        "tags": [
            {"name": MACHINE_TAG, "description": "open to a machine client's token with the scope"},
            {"name": ADMIN_TAG, "description": "an administrator's session only; 403 for other caseworkers"},
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "inissiaq_cw"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "client_credentials": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{PREFIX}/oauth/token",
                            "scopes": _scopes(operations),
                        }
                    },
                },
            },
        },
    }


def _scopes(operations: list[tuple[str, str, str, Operation]]) -> dict[str, str]:
    return {scope: scope for _, _, _, op in operations for scope in op.scopes}


def _response(response: Response, ref: Callable[[type[BaseModel], str], dict[str, Any]]) -> dict[str, Any]:
    if isinstance(response, Content):
        return {
            "description": response.description,
            "content": {response.media_type: {"schema": dict(response.schema)}},
        }
    if isinstance(response, str):
        return {
            "description": response,
            "content": {"application/json": {"schema": ref(Error, "serialization")}},
        }
    if isinstance(response, tuple):
        return {
            "description": " Or: ".join(_described(m) for m in response),
            "content": {
                "application/json": {"schema": {"anyOf": [ref(m, "serialization") for m in response]}}
            },
        }
    return {
        "description": _described(response),
        "content": {"application/json": {"schema": ref(response, "serialization")}},
    }


def _described(model: type[BaseModel]) -> str:
    return (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ") or model.__name__


def document(app: Sanic) -> dict[str, Any]:
    """The description, built once per application (routes do not change after start)."""
    cached = getattr(app.ctx, "caseworker_openapi", None)
    if cached is None:
        cached = build_document(app)
        app.ctx.caseworker_openapi = cached
    return cached
