"""No CPR number, phone number or e-mail address reaches a log in clear: messages, tracebacks, stacks,
`extra` fields, Sanic's loggers and SQLAlchemy's errors (privacy/log_masking.py, backend/logging_setup.py)."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sanic import Sanic

from backend.config import REPO_ROOT as ROOT
from backend.db import create_engine
from backend.logging_setup import FORMAT, configure_logging
from privacy import log_masking
from privacy.log_masking import mask_personal_data

CPR, CPR_DASHED = "0708861234", "070886-1234"
PHONES = [
    "551234",
    "55 12 34",
    "55.12.34",
    "+299551234",
    "+299 55 12 34",
    "(+299) 55 12 34",
    "20 12 34 56",
    "20123456",
    "+4520123456",
    "+45 20 12 34 56",
    "0045 20 12 34 56",
    "070-123 45 67",
    "+46701234567",
    "+46 70 123 45 67",
    "+46 (0)70 123 45 67",
]
EMAIL = "emma.lund+boligsikring@example.dk"


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("phone", PHONES)
def test_a_phone_number_keeps_only_its_last_two_digits(phone: str) -> None:
    masked = mask_personal_data(f"reply queued for {phone}, 2 segments")
    assert phone not in masked
    assert masked.startswith("reply queued for ") and masked.endswith(", 2 segments")
    assert digits(masked) == digits(phone)[-2:] + "2"


def test_a_swedish_mobile_number_of_ten_digits_is_masked_whole() -> None:
    # 0701234567 reads as a CPR number too (7 January): it is masked as one, nothing of it is kept.
    assert mask_personal_data("sms from 0701234567") == "sms from xxxxxx-xxxx"


def test_a_url_encoded_phone_number_is_masked() -> None:
    assert mask_personal_data("From=%2B299551234&To=%2B299321000") == "From=%2B*******34&To=%2B*******00"


@pytest.mark.parametrize("cpr", [CPR, CPR_DASHED])
def test_a_cpr_number_with_or_without_its_dash_is_masked_whole(cpr: str) -> None:
    assert mask_personal_data(f"person {cpr} logged in") == "person xxxxxx-xxxx logged in"


def test_an_email_address_keeps_only_its_domain() -> None:
    assert mask_personal_data(f"mail to <{EMAIL}> sent") == "mail to <***@example.dk> sent"


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-05 07:32:54,123 INFO inissiaq: digest sent",
        "2026-12-05T07:32:54.123456+00:00",
        "decided on 05.12.2026 at 07:32",
        "rent 6450.00 kr.",
        "timestamp 1733383974.25",
        "confidence 0.98112231, 0.1407943816",
        "period 2026-12",
        "conversation 8174aedeb98e845fdfe7ad3ccac9eb2e, message c56d8ca3fc444ba7a7396d1234567842",
        "sender 123e4567-e89b-12d3-a456-426614174000",
        "confidences [0.01 0.92 0.07]",
        "http://127.0.0.1:8000/healthz",
        "reference BS-7K3M9Q",
        "12345 rows",
        "MessageSid SM00000000000000000000000000000001",
    ],
)
def test_dates_times_decimals_short_numbers_and_long_ids_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("rowcount 123456", "rowcount ****56"),  # any free-standing six-digit number
        ("tenant INI-104233", "tenant INI-****33"),
        ("client 192.168.100.200", "client ***.***.***.*00"),
    ],
)
def test_the_accepted_over_masking_of_other_long_numbers(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_an_id_next_to_personal_data_does_not_shield_it() -> None:
    text = "8174aedeb98e845fdfe7ad3ccac9eb2e 551234 c56d8ca3fc444ba7a7396d1234567842@example.dk"
    assert mask_personal_data(text) == "8174aedeb98e845fdfe7ad3ccac9eb2e ****34 ***@example.dk"


def test_masking_is_idempotent() -> None:
    text = f"{CPR} {PHONES[4]} {EMAIL} {PHONES[11]}"
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


# ---------------------------------------------------------------- records, handlers, tracebacks


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """What a handler with the backend's format writes for logger `test.masking`."""
    log_masking.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    log_masking.add_filter(handler)
    logger = logging.getLogger("test.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def assert_clean(text: str) -> None:
    for value in (CPR, CPR_DASHED, EMAIL, "551234", "55 12 34", "20 12 34 56", "+4520123456"):
        assert value not in text, value


def test_a_message_with_arguments_is_masked_and_its_timestamp_is_untouched(output: io.StringIO) -> None:
    logging.getLogger("test.masking").info("citizen %s phone %s mail %s", CPR, "+299 55 12 34", EMAIL)
    line = output.getvalue()
    assert_clean(line)
    assert re.match(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} INFO test\.masking: citizen xxxxxx-xxxx", line
    )


def test_a_timestamp_formatted_into_the_line_is_never_masked(output: io.StringIO) -> None:
    fixed = time.mktime((2026, 12, 5, 7, 32, 54, 0, 0, -1)) + 0.123
    record = logging.getLogger("test.masking").makeRecord(
        "test.masking", logging.INFO, __file__, 1, "phone %s", ("551234",), None
    )
    record.created, record.msecs = fixed, 123.0
    logging.getLogger("test.masking").handle(record)
    assert output.getvalue() == "2026-12-05 07:32:54,123 INFO test.masking: phone ****34\n"


def test_the_traceback_of_an_exception_carrying_a_cpr_number_is_masked(output: io.StringIO) -> None:
    try:
        try:
            raise KeyError(f"no person {CPR}")
        except KeyError as error:
            raise ValueError(f"lookup failed for {CPR_DASHED}, phone 20 12 34 56, mail {EMAIL}") from error
    except ValueError:
        logging.getLogger("test.masking").exception("turn failed")
    text = output.getvalue()
    assert_clean(text)
    assert "Traceback (most recent call last)" in text
    assert "KeyError: 'no person xxxxxx-xxxx'" in text  # the chained exception too
    assert "ValueError: lookup failed for xxxxxx-xxxx, phone ** ** ** 56, mail ***@example.dk" in text


def test_a_record_keeps_only_the_masked_text_of_its_exception() -> None:
    log_masking.install()
    try:
        raise RuntimeError(CPR)
    except RuntimeError:
        record = logging.getLogger("test.masking").makeRecord(
            "test.masking", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    assert record.exc_info is None  # no formatter can render the original any more
    assert record.exc_text is not None and CPR not in record.exc_text and "xxxxxx-xxxx" in record.exc_text


def test_a_stack_is_masked(output: io.StringIO) -> None:
    logging.getLogger("test.masking").warning("where", stack_info=True)  # the caller of 0708861234
    text = output.getvalue()
    assert "Stack (most recent call last)" in text and "the caller of xxxxxx-xxxx" in text
    assert CPR not in text


def test_extra_fields_are_masked_by_the_handler_filter(output: io.StringIO) -> None:
    output.truncate(0)
    handler = logging.getLogger("test.masking").handlers[-1]
    handler.setFormatter(logging.Formatter("%(request)s %(message)s"))
    logging.getLogger("test.masking").info("", extra={"request": "GET /l?phone=%2B299551234"})
    assert output.getvalue() == "GET /l?phone=%2B*******34 \n"


def test_a_format_string_that_does_not_fit_its_arguments_is_logged_masked(output: io.StringIO) -> None:
    logging.getLogger("test.masking").info("one %s", CPR, "+4520123456")
    text = output.getvalue()
    assert_clean(text)
    assert "one %s (arguments: ('xxxxxx-xxxx', '+********56'))" in text


def test_an_uncaught_exception_is_printed_masked(capsys: pytest.CaptureFixture[str]) -> None:
    log_masking.install()
    try:
        raise LookupError(f"person {CPR}")
    except LookupError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    assert "LookupError: person xxxxxx-xxxx" in capsys.readouterr().err


def test_an_exception_in_a_thread_is_printed_masked(capsys: pytest.CaptureFixture[str]) -> None:
    log_masking.install()

    def fail() -> None:
        raise LookupError(f"phone {PHONES[4]}")

    thread = threading.Thread(target=fail, name="sender")
    thread.start()
    thread.join()
    err = capsys.readouterr().err
    assert "Exception in thread sender" in err and "LookupError: phone +*** ** ** 34" in err


def test_a_handler_failing_while_an_exception_is_handled_reports_it_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_masking.install()
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(missing_field)s %(message)s"))
    logger = logging.getLogger("test.masking.broken")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"person {CPR}")
        except ValueError:
            logger.error("turn failed for %s", "+299 55 12 34")
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert "--- Logging error ---" in err and "ValueError: person xxxxxx-xxxx" in err
    assert CPR not in err and "55 12 34" not in err


# ---------------------------------------------------------------- Sanic's loggers and SQLAlchemy


@pytest.mark.parametrize("name", ["sanic.access", "sanic.error", "sanic.root"])
def test_sanics_loggers_are_masked_after_the_app_is_created(name: str) -> None:
    Sanic(f"masking_{name.replace('.', '_')}")  # its constructor installs Sanic's handlers anew
    configure_logging()
    handlers = logging.getLogger(name).handlers
    assert handlers and all(isinstance(h, logging.StreamHandler) for h in handlers)
    streams = [io.StringIO() for _ in handlers]
    for handler, stream in zip(handlers, streams, strict=True):
        handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        raise ValueError(CPR)
    except ValueError:
        logging.getLogger(name).exception(
            "on %s",
            EMAIL,
            extra={"request": f"GET /?cpr={CPR}", "host": "h", "status": 500, "byte": 0, "duration": ""},
        )
    written = "".join(stream.getvalue() for stream in streams)
    assert_clean(written)
    assert "xxxxxx-xxxx" in written


async def test_the_backends_engines_never_put_sql_parameters_into_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            with pytest.raises(sa.exc.OperationalError) as error:
                await connection.execute(
                    sa.text("INSERT INTO people (cpr, phone) VALUES (:cpr, :phone)"),
                    {"cpr": CPR, "phone": "+299551234"},
                )
    finally:
        await engine.dispose()
    assert CPR not in str(error.value) and "+299551234" not in str(error.value)
    assert "hide_parameters=True" in str(error.value)


def test_sqlalchemy_error_text_with_parameters_is_masked_in_the_log(output: io.StringIO) -> None:
    engine = sa.create_engine("sqlite://")  # an engine that shows its parameters, like a library's own
    with engine.connect() as connection:
        try:
            connection.execute(
                sa.text("INSERT INTO people (cpr, phone, email) VALUES (:cpr, :phone, :email)"),
                {"cpr": CPR, "phone": "+4520123456", "email": EMAIL},
            )
        except sa.exc.OperationalError as error:
            assert CPR in str(error)  # the text does carry them
            logging.getLogger("test.masking").exception("insert failed: %s", error)
    text = output.getvalue()
    assert_clean(text)
    assert "[parameters: ('xxxxxx-xxxx', '+********56', '***@example.dk')]" in text


SQL_AT_DEBUG = """
import asyncio, sys
import sqlalchemy as sa
from backend.db import create_engine
from backend.logging_setup import configure_logging

async def main(url, cpr):
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE people (cpr TEXT, phone TEXT)"))
        insert = sa.text("INSERT INTO people VALUES (:cpr, :phone)")
        await connection.execute(insert, {"cpr": cpr, "phone": "+299551234"})
    await engine.dispose()

configure_logging("DEBUG")
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_at_debug_level_sql_statements_are_logged_without_their_parameters(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run(
        [sys.executable, "-c", SQL_AT_DEBUG, url, CPR],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    assert "INFO sqlalchemy.engine.Engine: INSERT INTO people VALUES (?, ?)" in result.stderr
    assert "[SQL parameters hidden due to hide_parameters=True]" in result.stderr
    assert CPR not in result.stderr and "551234" not in result.stderr
