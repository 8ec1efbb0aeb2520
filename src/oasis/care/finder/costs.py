"""What an option costs the patient and whether it respects the parcours de soins.

The finder does not bill: it asks :func:`oasis.care.billing.bill` what the act would
cost with the patient's situation, so the figure on the search page is the one the
feuille de soins will carry (same tariff table, same AMO/mutuelle/partner rules).

Parcours de soins coordonné (ameli.fr « Le parcours de soins coordonnés »; CSS art.
L162-5-3): respected when the doctor is the patient's médecin traitant, for patients
under 16, and for specialists in direct access (gynaecology, ophthalmology, midwives,
psychiatry from 16 to 25).  Anything else is « hors parcours » — reimbursed at 30 %
instead of 70 % — unless the médecin traitant referred the patient, which the finder
cannot know, so it says so.  For an anonymous search the situation is unknown: the
cost is given for an adult in the parcours without mutuelle, and the option says so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from oasis.care.billing.statement import BillingContext, Coverage, bill
from oasis.care.billing.tariffs import act_code
from oasis.care.finder.text import euros

DIRECT_ACCESS = {"gynecologue": "gynécologie", "ophtalmologue": "ophtalmologie",
                 "sage_femme": "sage-femme"}
DEFAULT_AGE = 40  # anonymous search: an adult, neither child- nor elder-specific rules


@dataclass(frozen=True)
class Situation:
    """The patient facts the rules need (no identity); ``known`` False when anonymous."""

    known: bool = False
    age: int | None = None
    gp_id: int | None = None
    mutuelle_name: str | None = None
    gp_declared: bool = False  # a médecin traitant outside Oasis (declared by name)

    @classmethod
    def of_patient(cls, patient, today: date) -> Situation:
        b = patient.birth_date
        age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
        return cls(known=True, age=age, gp_id=patient.gp_id,
                   mutuelle_name=patient.mutuelle_name,
                   gp_declared=bool(getattr(patient, "gp_declared_name", None)))


@dataclass(frozen=True)
class Parcours:
    respected: bool | None  # None: depends on something the finder does not know
    reason: str

    def as_dict(self) -> dict:
        return {"respected": self.respected, "reason": self.reason}


@dataclass(frozen=True)
class Cost:
    """Integer cents; ``patient_cents`` is what remains for the patient after refunds."""

    act_code: str
    tariff_cents: int
    tariff_source: str
    amo_cents: int
    mutuelle_cents: int
    patient_cents: int
    advance_cents: int
    tiers_payant: str
    overrun_possible: bool
    summary: str
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "act_code", "tariff_cents", "tariff_source", "amo_cents", "mutuelle_cents",
            "patient_cents", "advance_cents", "tiers_payant", "overrun_possible", "summary",
            "notes", "assumptions")}


def parcours(situation: Situation, *, specialty: str,
             practitioner_id: int | None) -> Parcours:
    """Whether consulting this practitioner (None: whoever is on duty) is in the parcours."""
    if specialty in DIRECT_ACCESS:
        return Parcours(True, f"accès direct ({DIRECT_ACCESS[specialty]}) : pas besoin "
                              "d'être adressé par votre médecin traitant")
    if not situation.known:
        return Parcours(None, "connectez-vous pour savoir : cela dépend de votre médecin "
                              "traitant")
    if situation.age is not None and situation.age < 16:
        return Parcours(True, "moins de 16 ans : le parcours de soins ne s'applique pas")
    if specialty == "psychiatre" and situation.age is not None and situation.age <= 25:
        return Parcours(True, "psychiatre en accès direct de 16 à 25 ans")
    if practitioner_id is not None and practitioner_id == situation.gp_id:
        return Parcours(True, "c'est votre médecin traitant")
    if specialty != "generaliste":
        return Parcours(False, "hors parcours, sauf si votre médecin traitant vous adresse "
                               "à ce spécialiste")
    if situation.gp_id is None and not situation.gp_declared:
        return Parcours(False, "vous n'avez pas déclaré de médecin traitant : "
                               "remboursement réduit ; déclarez-le dans « Mon profil »")
    if practitioner_id is None:
        return Parcours(None, "dans le parcours si votre médecin traitant est absent ou "
                              "indisponible (à préciser au médecin)")
    return Parcours(False, "ce n'est pas votre médecin traitant : remboursement réduit "
                           "(sauf urgence ou absence de votre médecin traitant)")


def estimate(situation: Situation, *, specialty: str, sector: str | None, remote: bool,
             on: date, in_parcours: bool | None,
             partners: Collection[str] = ()) -> Cost:
    """The statement of the act at its tariff, reduced to what the patient needs to know.

    ``sector`` None (on-demand teleconsultation: whoever takes the call) is billed at
    the tariff, as teleconsultations by secteur 1 and OPTAM doctors are.
    """
    code = act_code(specialist=specialty != "generaliste", teleconsultation=remote)
    assumptions: list[str] = []
    if not situation.known:
        assumptions.append("estimation pour un adulte sans mutuelle, dans le parcours de "
                           "soins ; connectez-vous pour votre situation")
    elif in_parcours is None:
        assumptions.append("estimation dans le parcours de soins")
    coverage = None
    if situation.mutuelle_name:
        partner = situation.mutuelle_name.strip().casefold() in {
            p.strip().casefold() for p in partners}
        coverage = Coverage(situation.mutuelle_name, partner=partner)
        if not partner:
            assumptions.append(f"mutuelle {situation.mutuelle_name} : contrat au ticket "
                               "modérateur (100 % de la base) supposé")
    statement = bill(BillingContext(
        act_date=on, act_code=code, secteur=sector or "1",
        patient_age=situation.age if situation.age is not None else DEFAULT_AGE,
        in_parcours=in_parcours is not False, coverage=coverage))
    overrun = sector in ("2", "OPTAM")
    if overrun:
        assumptions.append("secteur 2 ou OPTAM : le médecin peut demander un dépassement "
                           "d'honoraires, non compris ici")
    return Cost(act_code=statement.act_code, tariff_cents=statement.tariff_cents,
                tariff_source=statement.tariff_source, amo_cents=statement.amo_cents,
                mutuelle_cents=statement.mutuelle_cents,
                patient_cents=statement.patient_cents,
                advance_cents=statement.patient_advance_cents,
                tiers_payant=statement.tiers_payant, overrun_possible=overrun,
                summary=summary(statement.patient_cents, statement.patient_advance_cents,
                                statement.tiers_payant),
                notes=list(statement.notes), assumptions=assumptions)


def summary(patient_cents: int, advance_cents: int, tiers_payant: str) -> str:
    """One sentence a patient understands: what they pay today and what remains."""
    if tiers_payant == "integral" or (advance_cents == 0 and patient_cents == 0):
        return "Rien à payer, rien à avancer"
    if advance_cents == patient_cents:
        return f"Vous payez {euros(patient_cents)}"
    return (f"Vous avancez {euros(advance_cents)}, il vous reste {euros(patient_cents)} "
            "après remboursement")
