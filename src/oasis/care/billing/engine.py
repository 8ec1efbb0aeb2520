"""The one rule engine: is this act in the parcours, is it reimbursable, who pays what.

Every price Oasis shows or bills goes through :func:`price` — the finder's estimate, the
statement of a closed teleconsultation, the monthly exports (built from those statements)
and the public simulator — so the « il vous reste 9,50 € » of a search page is the figure
of the feuille de soins for the same situation.  The patient's situation is read once,
by :func:`oasis.care.billing.situation.situation_of` (or declared, in the simulator);
this module is pure (no database).

Teleconsultation conditions (convention médicale 2024 art. 87-3, from avenant 6 of 2018;
ameli « La téléconsultation »): a teleconsultation is reimbursed only by **video**, within
the **parcours de soins** (the médecin traitant teleconsults or oriented the patient), with
**connaissance préalable** (patient seen in person by that doctor within the months of
``teleconsultation.prior_in_person_months``) and **territorial anchoring** — each waived
for the exceptions: under ``parcours.exempt_under_age``, direct-access specialties,
emergency, no or unavailable médecin traitant *through a territorial organisation*
(CPTS, MSP, centre de santé), detention, EHPAD residents, and AME (not subject to the
parcours).  Outside them the act is not reimbursed at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from oasis.care.billing import rules
from oasis.care.billing.statement import BillingContext, Coverage, Statement, bill
from oasis.care.billing.tariffs import NURSE_SETTINGS, act_code
from oasis.care.core.errors import Invalid

ACTS = ("consultation", "teleconsultation", "teleexpertise", "nurse_assist")
CHANNELS = ("in_person", "video", "phone")
MEDECIN_TRAITANT = ("declared", "none", "unavailable")
DEFAULT_AGE = 40  # anonymous estimate: an adult, neither child- nor elder-specific rules


def is_partner(mutuelle_name: str | None, partners) -> bool:
    """Whether a mutuelle is one of Oasis's partners (names compared trimmed, casefolded)."""
    if not mutuelle_name or not mutuelle_name.strip():
        return False
    return mutuelle_name.strip().casefold() in {p.strip().casefold() for p in partners}


@dataclass(frozen=True)
class Situation:
    """The patient facts the rules need (no identity); ``known`` False when anonymous."""

    age: int = DEFAULT_AGE
    medecin_traitant: str = "declared"  # declared | none | unavailable
    is_patients_medecin_traitant: bool = False  # the doctor of this act is their MT
    referred: bool = False  # oriented by the médecin traitant
    seen_in_person_12_months: bool | None = None  # by this doctor; None: unknown
    ald: bool = False
    maternity: bool = False
    c2s: bool = False
    ame: bool = False
    emergency: bool = False
    territorial_organisation: bool = False  # reached through a CPTS, MSP, centre de santé
    detention: bool = False
    ehpad: bool = False
    doctor_nearby: bool = True  # territorial anchoring
    mutuelle: Coverage | None = None
    pf_paid_today_cents: int = 0
    pf_paid_year_cents: int = 0
    known: bool = True
    assumptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.age <= 130:
            raise Invalid("âge hors plage (0 à 130 ans)", code="invalid_age")
        if self.medecin_traitant not in MEDECIN_TRAITANT:
            raise Invalid("médecin traitant : declared, none ou unavailable",
                          code="invalid_medecin_traitant")
        if self.pf_paid_today_cents < 0 or self.pf_paid_year_cents < 0:
            raise Invalid("participations déjà payées négatives", code="invalid_counter")


@dataclass(frozen=True)
class Act:
    """What is done, when, by whom (kind of doctor, sector)."""

    on: date
    act: str = "consultation"
    channel: str = "in_person"
    specialty: str = "generaliste"
    sector: str = "1"
    fee_cents: int | None = None
    nurse_setting: str = "lieu_dedie"  # soin_prevu | lieu_dedie | domicile
    mission: bool = False

    def __post_init__(self) -> None:
        if self.act not in ACTS:
            raise Invalid(f"acte inconnu « {self.act} » ({', '.join(ACTS)})",
                          code="unknown_act")
        if self.channel not in CHANNELS:
            raise Invalid(f"canal inconnu « {self.channel} » ({', '.join(CHANNELS)})",
                          code="unknown_channel")
        if self.act == "consultation" and self.channel != "in_person":
            raise Invalid("une consultation à distance est une téléconsultation",
                          code="impossible_act")
        if self.act in ("teleconsultation", "nurse_assist") and self.channel == "in_person":
            raise Invalid("une téléconsultation se fait par vidéo (ou téléphone)",
                          code="impossible_act")
        if self.nurse_setting not in NURSE_SETTINGS:
            raise Invalid("lieu de l'accompagnement infirmier : soin_prevu, lieu_dedie ou "
                          "domicile", code="invalid_nurse_setting")
        if self.on < rules.history_start():
            raise Invalid(f"aucune règle avant le {rules.history_start():%d/%m/%Y}",
                          code="rule_not_in_force")


@dataclass(frozen=True)
class Decision:
    act_code: str
    in_parcours: bool
    reimbursable: bool
    reasons: list[str] = field(default_factory=list)


def _direct_access(specialty: str, age: int, on: date) -> str | None:
    if specialty in rules.value("parcours.direct_access_specialties", on):
        return f"accès direct ({specialty.replace('_', ' ')})"
    if specialty == "psychiatre" and age <= rules.value(
            "parcours.psychiatry_direct_access_max_age", on):
        return "psychiatre en accès direct jusqu'à 25 ans"
    return None


def parcours_exception(act: Act, s: Situation) -> str | None:
    """The exception that waives the parcours de soins, if any (a French phrase)."""
    on = act.on
    under = rules.value("parcours.exempt_under_age", on)
    if s.age < under:
        return f"moins de {under} ans"
    direct = _direct_access(act.specialty, s.age, on)
    if direct:
        return direct
    if s.ame:
        return "bénéficiaire de l'AME, non soumis au parcours de soins"
    if s.emergency:
        return "situation d'urgence"
    if act.act == "teleconsultation":
        if s.detention:
            return "personne détenue"
        if s.ehpad:
            return "résident d'EHPAD"
        if s.medecin_traitant in ("none", "unavailable") and s.territorial_organisation:
            what = "sans médecin traitant" if s.medecin_traitant == "none" else \
                "médecin traitant indisponible"
            return f"{what}, via une organisation territoriale (CPTS, MSP, centre de santé)"
    return None


def in_parcours(act: Act, s: Situation) -> tuple[bool, str]:
    """Whether the act respects the parcours de soins, and why (French)."""
    if s.is_patients_medecin_traitant:
        return True, "c'est votre médecin traitant"
    exception = parcours_exception(act, s)
    if exception:
        return True, f"parcours de soins : exception ({exception})"
    if s.referred and s.medecin_traitant == "declared":
        return True, "orienté par votre médecin traitant"
    if s.medecin_traitant == "none":
        return False, "vous n'avez pas déclaré de médecin traitant"
    if s.medecin_traitant == "unavailable":
        return False, ("médecin traitant indisponible, mais sans passer par une organisation "
                       "territoriale (CPTS, MSP, centre de santé)")
    return False, "ce n'est pas votre médecin traitant et il ne vous a pas orienté"


def decide(act: Act, s: Situation) -> Decision:
    """The act code, the parcours and whether the Assurance Maladie reimburses the act."""
    on = act.on
    specialist = act.specialty != "generaliste"
    if act.act == "nurse_assist":
        code = NURSE_SETTINGS[act.nurse_setting]
    elif act.act == "teleexpertise":
        code = "TE2"
    else:
        code = act_code(specialist=specialist, teleconsultation=act.act == "teleconsultation")
    reasons = list(s.assumptions)
    if not s.known:  # anonymous estimate: the caller states the assumption
        return Decision(code, True, True, reasons)
    ok, why = in_parcours(act, s)
    if act.act == "consultation":
        reasons.append(why[0].upper() + why[1:])
        return Decision(code, ok, True, reasons)
    if act.act == "teleexpertise":
        reasons.append("téléexpertise demandée par un médecin : taux du parcours appliqué "
                       "(hypothèse Oasis, règle de prise en charge non vérifiée)")
        return Decision(code, True, True, reasons)
    # Teleconsultation, or the nurse's act that accompanies one: same conditions.
    video = rules.rule("teleconsultation.video_required", on)
    failed: list[str] = []
    if act.channel == "phone" and video.value:
        failed.append(f"par téléphone seul : {video.label.lower()} ({video.source})")
    if not ok:
        failed.append(f"hors parcours de soins : {why}")
    exception = parcours_exception(act, s)
    months = rules.value("teleconsultation.prior_in_person_months", on)
    if not (exception or s.seen_in_person_12_months):
        seen = "n'a pas été établie" if s.seen_in_person_12_months is None else "manque"
        failed.append(f"connaissance préalable {seen} : pas de consultation en présentiel "
                      f"avec ce médecin dans les {months} derniers mois")
    if not s.doctor_nearby and not exception:
        failed.append("ancrage territorial : le médecin n'exerce pas près de chez vous")
    if failed:
        src = rules.rule("rate.teleconsultation_outside_conditions", on).source
        reasons.append("Téléconsultation non remboursable — " + " ; ".join(failed) +
                       f" ({src})")
        return Decision(code, ok, False, reasons)
    reasons.append(f"Téléconsultation remboursable : vidéo, {why}"
                   + ("" if exception else f", patient vu en présentiel depuis moins de "
                      f"{months} mois"))
    return Decision(code, True, True, reasons)


def context(act: Act, s: Situation) -> BillingContext:
    d = decide(act, s)
    return BillingContext(
        act_date=act.on, act_code=d.act_code, fee_cents=act.fee_cents, secteur=act.sector,
        patient_age=s.age, in_parcours=d.in_parcours, reimbursable=d.reimbursable,
        ald=s.ald, maternity=s.maternity, c2s=s.c2s, ame=s.ame, coverage=s.mutuelle,
        pf_paid_today_cents=s.pf_paid_today_cents, pf_paid_year_cents=s.pf_paid_year_cents,
        mission=act.mission, reasons=tuple(d.reasons))


def price(act: Act, s: Situation) -> Statement:
    """The statement of ``act`` for ``s``: the one function every price goes through."""
    return bill(context(act, s))


def with_counters(s: Situation, today_cents: int, year_cents: int) -> Situation:
    return replace(s, pf_paid_today_cents=today_cents, pf_paid_year_cents=year_cents)
