"""The small real PDFs flows render themselves (packing slips, invoices, labels, manifests) with fpdf2."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF


def render_pdf(
    title: str, fields: list[tuple[str, str]], table: list[list[str]] | None = None, *, created: datetime
) -> bytes:
    """A title, "label: value" lines and an optional table. The creation date is fixed by the caller (an order
    or batch time, not "now"), so a re-run renders the same bytes and a stored document is recognised."""
    pdf = FPDF(format=(148, 210))
    pdf.set_creation_date(created if created.tzinfo is not None else created.replace(tzinfo=UTC))
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 10, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    for label, value in fields:
        pdf.cell(0, 5, latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    if table:
        pdf.ln(3)
        for row in table:
            pdf.cell(0, 5, latin1("  |  ".join(row)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def latin1(text: str) -> str:
    """The core PDF fonts are Latin-1: the rupee sign is written out, anything else unknown becomes '?'."""
    return text.replace("\u20b9", "INR ").encode("latin-1", "replace").decode("latin-1")
