"""What an option costs the patient and whether it respects the parcours de soins.

The finder does not price anything itself: it reads the patient through
:func:`oasis.care.billing.situation.profile_of` and asks
:func:`oasis.care.billing.engine.price` — the call that bills a closed consultation and
answers the simulator — so the figure on the search page is the one the feuille de soins
will carry.  For an anonymous search the situation is unknown: the cost is given for an
adult in the parcours without mutuelle, and the option says so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from oasis.care.billing.engine import Act, in_parcours, price
from oasis.care.billing.engine import Situation as BillingSituation
from oasis.care.billing.situation import Profile, from_profile, profile_of
from oasis.care.core.clock import paris_today
from oasis.care.finder.text import euros

DEFAULT_AGE = 40  # anonymous search: an adult, neither child- nor elder-specific rules


@dataclass(frozen=True)
class Situation:
    """The patient facts the finder has (no identity); ``known`` False when anonymous."""

    known: bool = False
    age: int | None = None
    gp_id: int | None = None
    mutuelle_name: str | None = None

    @classmethod
    def of_patient(cls, patient, today: date) -> Situation:
        p = profile_of(patient, today)
        return cls(known=True, age=p.age, gp_id=p.gp_id, mutuelle_name=p.mutuelle_name)

    def for_act(self, practitioner_id: int | None, partners: Collection[str] = (),
                seen: bool | None = None) -> BillingSituation:
        if not self.known:
            return BillingSituation(known=False)
        profile = Profile(self.age if self.age is not None else DEFAULT_AGE, self.gp_id,
                          self.mutuelle_name)
        return from_profile(profile, practitioner_id, partners=partners, seen=seen)


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
    reimbursable: bool = True

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "act_code", "tariff_cents", "tariff_source", "amo_cents", "mutuelle_cents",
            "patient_cents", "advance_cents", "tiers_payant", "overrun_possible", "summary",
            "notes", "assumptions", "reimbursable")}


def parcours(situation: Situation, *, specialty: str, practitioner_id: int | None,
             on: date | None = None, remote: bool = False) -> Parcours:
    """Whether consulting this practitioner (None: whoever is on duty) is in the parcours."""
    act = Act(on=on or paris_today(), act="teleconsultation" if remote else "consultation",
              channel="video" if remote else "in_person", specialty=specialty)
    if not situation.known:
        probe = in_parcours(act, BillingSituation(medecin_traitant="none"))
        if probe[0]:
            return Parcours(True, probe[1])
        return Parcours(None, "connectez-vous pour savoir : cela dépend de votre médecin "
                              "traitant")
    ok, why = in_parcours(act, situation.for_act(practitioner_id))
    return Parcours(ok, why)


def estimate(situation: Situation, *, specialty: str, sector: str | None, remote: bool,
             on: date, in_parcours: bool | None = None, partners: Collection[str] = (),
             practitioner_id: int | None = None, seen: bool | None = None,
             channel: str = "video", mission: bool = False) -> Cost:
    """The statement of the act at its tariff, reduced to what the patient needs to know.

    ``sector`` None (on-demand teleconsultation: whoever takes the call) is billed at
    the tariff, as teleconsultations by secteur 1 and OPTAM doctors are.  ``in_parcours``
    is accepted for callers that computed it; the engine decides again, identically.
    """
    act = Act(on=on, act="teleconsultation" if remote else "consultation",
              channel=channel if remote else "in_person", specialty=specialty,
              sector=sector or "1", mission=mission)
    s = situation.for_act(practitioner_id, partners, seen)
    statement = price(act, s)
    assumptions: list[str] = []
    if not situation.known:
        assumptions.append("estimation pour un adulte sans mutuelle, dans le parcours de "
                           "soins et les conditions de la téléconsultation ; connectez-vous "
                           "pour votre situation")
    if s.mutuelle and not s.mutuelle.partner:
        assumptions.append(f"mutuelle {s.mutuelle.name} : contrat au ticket modérateur "
                           "(100 % de la base) supposé")
    overrun = sector in ("2", "OPTAM") and not mission
    if mission:
        assumptions.append("mission « Un médecin près de chez vous » : consultation sans "
                           "dépassement d'honoraires")
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
                notes=list(statement.notes), assumptions=assumptions,
                reimbursable=statement.reimbursable)


def summary(patient_cents: int, advance_cents: int, tiers_payant: str) -> str:
    """One sentence a patient understands: what they pay today and what remains."""
    if tiers_payant in ("integral", "partenaire") or (advance_cents == 0
                                                      and patient_cents == 0):
        return "Rien à payer, rien à avancer"
    if advance_cents == patient_cents:
        return f"Vous payez {euros(patient_cents)}"
    return (f"Vous avancez {euros(advance_cents)}, il vous reste {euros(patient_cents)} "
            "après remboursement")
