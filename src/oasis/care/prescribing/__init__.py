"""E-prescriptions: the signed PDF a patient takes to the pharmacy, and its verification.

Pure rendering and signing; storing prescriptions and serving the public verification
endpoint belong to the teleconsultation flow.
"""

from oasis.care.prescribing.document import MedicationLine, PrescriptionDocument, render_pdf
from oasis.care.prescribing.verification import new_prescription_id, verification_code, verify

__all__ = ["MedicationLine", "PrescriptionDocument", "new_prescription_id", "render_pdf",
           "verification_code", "verify"]
