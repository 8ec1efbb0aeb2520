"""The e-prescription PDF: practitioner (with RPPS), patient, date, lines, id, QR code.

Rendered with fpdf2 and its built-in Helvetica (latin-1 covers French); the QR code
(segno) carries the verification URL so a pharmacist's phone checks it in one scan.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import segno
from fpdf import FPDF


@dataclass(frozen=True)
class MedicationLine:
    """One medication: what, how much, how long (the minimum a pharmacist needs)."""

    name: str
    dosage: str
    duration: str
    instructions: str = ""

    def __post_init__(self) -> None:
        for label, value in (("médicament", self.name), ("posologie", self.dosage),
                             ("durée", self.duration)):
            if not value or not value.strip():
                raise ValueError(f"ligne d'ordonnance incomplète : {label} manquant(e)")


@dataclass(frozen=True)
class PrescriptionDocument:
    prescription_id: str
    verification_code: str
    verify_url: str
    issued_at: datetime  # timezone-aware, Europe/Paris for display
    practitioner_name: str
    practitioner_rpps: str
    practitioner_specialty: str
    practitioner_address: str
    patient_name: str
    patient_birth_date: date
    lines: list[MedicationLine] = field(default_factory=list)
    teleconsultation: bool = True

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        if not self.lines:
            raise ValueError("une ordonnance contient au moins une ligne")


def _latin1(text: str) -> str:
    """Core PDF fonts are latin-1: keep French accents, replace what cannot be shown."""
    replacements = {"’": "'", "œ": "oe", "Œ": "OE", "…": "...", "–": "-", "—": "-", "€": "EUR"}
    for src, dst in replacements.items():
        text = text.replace(src, dst)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(doc: PrescriptionDocument) -> bytes:
    """The PDF bytes of the prescription."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(_latin1(f"Ordonnance {doc.prescription_id}"))
    pdf.set_creator("Oasis")
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin1(doc.practitioner_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for text in (doc.practitioner_specialty, f"RPPS : {doc.practitioner_rpps}",
                 doc.practitioner_address):
        pdf.cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    qr = segno.make(doc.verify_url, error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4, border=2)
    png.seek(0)
    pdf.image(png, x=160, y=10, w=35, h=35)

    pdf.ln(12)
    mode = " (téléconsultation)" if doc.teleconsultation else ""
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(f"Le {doc.issued_at:%d/%m/%Y à %H:%M}{mode}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _latin1(f"Patient : {doc.patient_name}, né(e) le "
                           f"{doc.patient_birth_date:%d/%m/%Y}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "ORDONNANCE", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for number, line in enumerate(doc.lines, start=1):
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 6, _latin1(f"{number}. {line.name}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        detail = f"    {line.dosage} - pendant {line.duration}"
        if line.instructions:
            detail += f" - {line.instructions}"
        pdf.multi_cell(0, 5, _latin1(detail), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    pdf.set_y(-45)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 4.5, _latin1(
        f"Identifiant : {doc.prescription_id} - code de vérification : "
        f"{doc.verification_code}\nVérifier l'authenticité : {doc.verify_url}\n"
        "Ordonnance établie électroniquement par Oasis."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
