"""A plain PDF of labelled lines (fpdf2), for the exports: DejaVu Sans when installed (every character
of kl, da and sv), else a core font limited to Latin-1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


class PdfDocument:
    """Lines of `label: value` and headings, one under the other, with automatic page breaks."""

    def __init__(self) -> None:
        self.pdf = FPDF()
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()
        if FONT.exists():
            self.pdf.add_font("body", "", str(FONT))
            self.family = "body"
        else:
            self.family = "Helvetica"

    def text(self, value: Any) -> str:
        value = "" if value is None else str(value)
        return value if self.family == "body" else value.encode("latin-1", "replace").decode("latin-1")

    def line(self, label: str, value: Any = "", size: int = 10) -> None:
        """`label: value` (or the value alone); None is written as nothing, never as "None"."""
        value = self.text(value)
        self.pdf.set_font(self.family, size=size)
        self.pdf.multi_cell(
            0, 6, self.text(f"{label}: {value}" if label else value), new_x="LMARGIN", new_y="NEXT"
        )

    def heading(self, title: str, size: int = 12) -> None:
        self.line("", title, size=size)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
