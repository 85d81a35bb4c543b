"""The action server: rasa-sdk's app behind the shared bearer secret, on loopback.

rasa-sdk checks nothing: whoever reaches its port can run any action for any conversation id, and
the actions call the backend's internal API with the internal secret on that conversation's behalf
(submit an application, leave a message, ask for a person). So `python -m bot.action_server
--actions actions -p 5055` serves rasa-sdk's own app with one request middleware: every route except
`/health` needs `Authorization: Bearer $INISSIAQ_INTERNAL_SECRET` (401 otherwise, compared in constant
time; an empty secret refuses every call). Rasa sends the header (`bot/endpoints.yml`,
`action_endpoint.headers`). It listens on 127.0.0.1 unless `SANIC_HOST` says otherwise.
"""

from __future__ import annotations

import hmac
import logging
import os

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.endpoint import create_argument_parser
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

SECRET_ENV = "INISSIAQ_INTERNAL_SECRET"  # noqa: S105 - the name of the variable
OPEN_PATHS = frozenset({"/health"})  # the readiness check of scripts/stack.py


def authorised(header: str | None, secret: str) -> bool:
    """`Authorization: Bearer <secret>`, compared in constant time; never with an empty secret."""
    scheme, _, token = (header or "").partition(" ")
    if not secret or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode("utf-8"), secret.encode("utf-8"))


def create_app(actions: str = "actions", secret: str | None = None) -> Sanic:
    """rasa-sdk's app for the `actions` package, refusing calls without the secret (no CORS)."""
    secret = (os.environ.get(SECRET_ENV, "") if secret is None else secret).strip()
    if not secret:
        logger.error("%s is not set: the action server refuses every call", SECRET_ENV)
    app = create_sdk_app(actions, cors_origins=None)

    @app.middleware("request")
    async def _require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorised(request.headers.get("Authorization"), secret):
            return None
        return response.json({"error": "unauthorized"}, status=401)

    return app


def listen_host() -> str:
    return os.environ.get("SANIC_HOST") or "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    """rasa-sdk's command line (`--actions`, `-p`, logging options); SSL and CORS are not offered."""
    args = create_argument_parser().parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    app = create_app(args.actions or "actions")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    host = listen_host()
    logger.info("Action server on http://%s:%s (internal secret required)", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
