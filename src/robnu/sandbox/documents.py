"""Small real PDFs for labels, invoices and manifests, with the ids that matter printed on them.

fpdf2's core fonts are Latin-1 only, so amounts are written "INR 499.00", never with the rupee sign.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fpdf import FPDF


def render_pdf(title: str, fields: Sequence[tuple[str, str]], table: Iterable[Sequence[str]] = ()) -> bytes:
    """A one-page document: a title, ``label: value`` lines and an optional table of rows."""
    pdf = FPDF(format=(148, 210))  # A5 in mm
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in fields:
        pdf.cell(0, 5, _latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    rows = [list(r) for r in table]
    if rows:
        pdf.ln(3)
        for row in rows:
            pdf.cell(0, 5, _latin1("  |  ".join(row)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    return text.replace("\u20b9", "INR ").encode("latin-1", "replace").decode("latin-1")
