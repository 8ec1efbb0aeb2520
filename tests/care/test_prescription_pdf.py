"""The e-prescription PDF carries what a pharmacist checks, and codes verify."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from oasis.care.prescribing import (
    MedicationLine,
    PrescriptionDocument,
    new_prescription_id,
    render_pdf,
    verification_code,
    verify,
)

SECRET = "test-secret"


def make_doc(**overrides) -> PrescriptionDocument:
    pid = new_prescription_id()
    values = dict(
        prescription_id=pid, verification_code=verification_code(pid, SECRET),
        verify_url=f"http://127.0.0.1:8000/verifier/{pid}",
        issued_at=datetime(2026, 3, 29, 10, 30, tzinfo=ZoneInfo("Europe/Paris")),
        practitioner_name="Dr Claire Martin", practitioner_rpps="10003456789",
        practitioner_specialty="Médecine générale",
        practitioner_address="Maison de santé, 58000 Nevers",
        patient_name="Élodie Œuvray", patient_birth_date=date(1984, 2, 29),
        lines=[MedicationLine("Paracétamol 1 g", "1 comprimé 3 fois par jour", "5 jours",
                              "si douleur")],
    )
    values.update(overrides)
    return PrescriptionDocument(**values)


def test_pdf_contains_rpps_patient_date_and_id():
    doc = make_doc()
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    for needle in ("10003456789", "Élodie", "29/03/2026", doc.prescription_id,
                   doc.verification_code, "Paracétamol 1 g", "ORDONNANCE"):
        assert needle in text
    reader = PdfReader(io.BytesIO(data))
    assert reader.pages[0].images, "the QR code image is embedded"


def test_ids_are_unique_and_codes_verify():
    ids = {new_prescription_id() for _ in range(1000)}
    assert len(ids) == 1000
    pid = ids.pop()
    code = verification_code(pid, SECRET)
    assert verify(pid, code, SECRET) and verify(pid, code.lower(), SECRET)
    assert not verify(pid, code, "other-secret")
    assert not verify(ids.pop(), code, SECRET)


def test_incomplete_lines_and_naive_dates_are_refused():
    with pytest.raises(ValueError, match="posologie"):
        MedicationLine("Amoxicilline", "", "7 jours")
    with pytest.raises(ValueError, match="timezone"):
        make_doc(issued_at=datetime(2026, 3, 29, 10, 30))
    with pytest.raises(ValueError, match="au moins une ligne"):
        make_doc(lines=[])
