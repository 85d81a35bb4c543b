"""Document tests keep their files under the test's own directory and use small limits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from backend.config import Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        settings,
        documents_dir=tmp_path / "documents",
        upload_max_bytes=200_000,
        upload_max_pages=3,
        upload_max_pixels=4_000_000,
    )
