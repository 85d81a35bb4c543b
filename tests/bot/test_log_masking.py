"""In the Rasa environment (Python 3.10), importing `bot` (Rasa) or `actions` (the action server) masks
personal data in every log record, tracebacks included."""

from __future__ import annotations

import importlib
import logging
import sys

import pytest

from privacy import log_masking


@pytest.mark.parametrize("package", ["bot", "actions"])
def test_importing_the_package_installs_the_masking(package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging, "_logRecordFactory", logging.LogRecord)  # as in a fresh process
    importlib.reload(importlib.import_module(package))
    assert getattr(logging.getLogRecordFactory(), "masks_personal_data", False)
    try:
        raise RuntimeError("tracker of 070886-1234, +299 55 12 34, aviaja@example.gl")
    except RuntimeError:
        record = logging.getLogger("rasa.core.processor").makeRecord(
            "rasa.core.processor", logging.ERROR, __file__, 1, "user said %s", ("0708861234",), sys.exc_info()
        )
    assert record.getMessage() == "user said xxxxxx-xxxx"
    assert record.exc_text is not None
    assert "RuntimeError: tracker of xxxxxx-xxxx, +*** ** ** 34, ***@example.gl" in record.exc_text


def test_the_masking_module_needs_only_the_standard_library() -> None:
    source = open(log_masking.__file__, encoding="utf-8").read()
    imports = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "logging", "re", "sys", "threading", "traceback", "typing"}
