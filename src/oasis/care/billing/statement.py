"""Who pays what for one act: Assurance Maladie, mutuelle (or partner), patient.

Every figure comes from :mod:`oasis.care.billing.rules` at the date of the act; whether
the act is in the parcours de soins and whether a teleconsultation is reimbursable at all
is decided beforehand by :func:`oasis.care.billing.engine.decide` and handed over in the
context.  What this module applies:

* **AMO rate**: ``rate.parcours`` (70 %) in the parcours; ``rate.hors_parcours`` (30 %)
  for an in-person consultation outside it; **0 %** for a teleconsultation outside its
  conditions (``rate.teleconsultation_outside_conditions``: such an act is not
  reimbursed at all); ``rate.full`` (100 %) for ALD, maternity, C2S; ``rate.ame``
  (100 %, no advance) for AME; ``rate.nurse`` (60 %) for a nurse's act.
* **Participation forfaitaire** on a doctor's act (``pf.amount``, 2 €), capped by what is
  left of ``pf.cap_day`` (same doctor, same day) and ``pf.cap_year`` for this patient;
  not charged under ``pf.exempt_under_age``, in maternity, for C2S or AME.  A nurse's act
  bears the **franchise** ``franchise.paramedical`` instead, with the same exemptions.
* **Dépassement**: never in secteur 1, for C2S, or on a mission day (``mission.no_overrun``).
* **Mutuelle** at R % BR: brings AMO + mutuelle to R % of the tariff, never covering the
  participation forfaitaire, the franchise or the hors-parcours cut (contrat responsable),
  and only on reimbursed acts (``mutuelle.only_on_reimbursed_acts``).
* **Partner mutuelle** (``partner.teleconsultation_service``): a teleconsultation is a
  service the partner funds under its agreement — the partner pays the whole fee, nothing
  is claimed from the Assurance Maladie, the patient pays and advances nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from oasis.care.billing import rules
from oasis.care.billing.tariffs import (
    NURSE_CODES,
    TELECONSULTATION_CODES,
    participation_forfaitaire,
    tariff_for,
)
from oasis.care.core.errors import Invalid


def pct(amount_cents: int, percent: int) -> int:
    """Percentage of an amount in cents, rounded half up (never floats)."""
    return (amount_cents * percent + 50) // 100


def euros(cents: int) -> str:
    return f"{cents / 100:.2f} €".replace(".", ",")


@dataclass(frozen=True)
class Coverage:
    """A patient's complementary cover (mutuelle) for this act."""

    name: str
    rate_percent_of_base: int = 100  # 100 = ticket modérateur only
    partner: bool = False  # Oasis partner: funds teleconsultations under its agreement

    def __post_init__(self) -> None:
        if not 0 <= self.rate_percent_of_base <= 1000:
            raise Invalid("taux de mutuelle hors plage (0 à 1000 % de la base)",
                          code="invalid_mutuelle_rate")


@dataclass(frozen=True)
class BillingContext:
    """Everything the rules need about one act; no identity, no health data."""

    act_date: date
    act_code: str  # G, CS, APC, TCG, TC, TE2, TLS, TLL, TLD
    fee_cents: int | None = None  # what is charged; None = the tariff
    secteur: str = "1"  # "1", "2", "OPTAM"
    patient_age: int = 40
    in_parcours: bool = True  # decided by engine.decide
    reimbursable: bool = True  # False: teleconsultation outside its conditions
    ald: bool = False
    maternity: bool = False  # from the 6th month of pregnancy to 12 days after birth
    c2s: bool = False
    ame: bool = False
    coverage: Coverage | None = None
    pf_paid_today_cents: int = 0  # participations already charged today by this doctor
    pf_paid_year_cents: int = 0  # participations already charged this calendar year
    mission: bool = False  # « Un médecin près de chez vous » mission day
    reasons: tuple[str, ...] = ()  # French sentences of the decision, kept on the statement


class BillingError(Invalid):
    """An act that cannot be billed as described (the message says why, in French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="billing_refused")


@dataclass(frozen=True)
class Statement:
    """The feuille de soins data of one act, all in integer cents."""

    act_code: str
    act_date: date
    tariff_cents: int
    tariff_source: str
    fee_cents: int
    overrun_cents: int
    amo_rate_percent: int
    amo_gross_cents: int
    participation_forfaitaire_cents: int
    amo_cents: int
    mutuelle_name: str | None
    mutuelle_cents: int
    patient_cents: int
    patient_advance_cents: int
    tiers_payant: str  # "aucun", "amo", "integral", "partenaire"
    notes: list[str] = field(default_factory=list)
    reimbursable: bool = True
    franchise_cents: int = 0
    payers: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["act_date"] = self.act_date.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Statement:
        data = dict(data)
        data["act_date"] = date.fromisoformat(data["act_date"])
        return cls(**data)

    def check(self) -> None:
        """Internal consistency: the three payers add up to the fee."""
        total = self.amo_cents + self.mutuelle_cents + self.patient_cents
        if total != self.fee_cents:
            raise AssertionError(f"statement does not balance: {total} != {self.fee_cents}")


def _rate(ctx: BillingContext, nurse: bool, notes: list[str]) -> tuple[int, int]:
    """(rate applied, rate the patient would have had in the parcours)."""
    on = ctx.act_date
    if ctx.ame:
        r = rules.rule("rate.ame", on)
        notes.append(f"aide médicale de l'État : {r.value} % du tarif, sans avance de frais "
                     f"({r.source})")
        return r.value, r.value
    if ctx.ald or ctx.maternity or ctx.c2s:
        r = rules.rule("rate.full", on)
        why = ", ".join(w for w, on_ in (("ALD", ctx.ald), ("maternité", ctx.maternity),
                                         ("C2S", ctx.c2s)) if on_)
        notes.append(f"prise en charge à {r.value} % ({why}) — {r.source}")
        return r.value, r.value
    if nurse:
        r = rules.rule("rate.nurse", on)
        notes.append(f"acte infirmier remboursé à {r.value} % ({r.source})")
        return r.value, r.value
    normal = rules.value("rate.parcours", on)
    if ctx.in_parcours:
        return normal, normal
    r = rules.rule("rate.hors_parcours", on)
    notes.append(f"hors parcours de soins coordonné : remboursement à {r.value} % au lieu de "
                 f"{normal} % ({r.source})")
    return r.value, normal


def _exempt(ctx: BillingContext) -> bool:
    return (ctx.patient_age < rules.value("pf.exempt_under_age", ctx.act_date)
            or ctx.maternity or ctx.c2s or ctx.ame)


def _deductible(ctx: BillingContext, nurse: bool, amo_gross: int,
                notes: list[str]) -> tuple[int, int]:
    """(participation forfaitaire, franchise) withheld from the AMO payment."""
    on = ctx.act_date
    if amo_gross == 0 or _exempt(ctx):
        if amo_gross and not nurse:
            notes.append("pas de participation forfaitaire (moins de 18 ans, maternité, C2S "
                         "ou AME) — " + rules.rule("pf.exempt_under_age", on).source)
        return 0, 0
    if nurse:
        r = rules.rule("franchise.paramedical", on)
        franchise = min(r.value, amo_gross)
        notes.append(f"franchise médicale de {euros(franchise)} déduite ({r.source})")
        return 0, franchise
    amount = participation_forfaitaire(on)
    day = rules.rule("pf.cap_day", on)
    year = rules.rule("pf.cap_year", on)
    left_day = max(0, day.value - ctx.pf_paid_today_cents)
    left_year = max(0, year.value - ctx.pf_paid_year_cents)
    pf = min(amount.amount_cents, amo_gross, left_day, left_year)
    if pf < amount.amount_cents:
        cap = day if left_day <= left_year else year
        notes.append(f"participation forfaitaire réduite à {euros(pf)} : {cap.label.lower()} "
                     f"de {cap.display()} atteint ({cap.source})")
    else:
        notes.append(f"participation forfaitaire de {euros(pf)} déduite ({amount.source})")
    return pf, 0


def bill(ctx: BillingContext) -> Statement:
    """Split one act's fee between Assurance Maladie, mutuelle (or partner) and patient."""
    tariff = tariff_for(ctx.act_code, ctx.act_date)
    fee = tariff.amount_cents if ctx.fee_cents is None else ctx.fee_cents
    notes: list[str] = list(ctx.reasons)
    if fee < tariff.amount_cents:
        raise BillingError(f"honoraires ({euros(fee)}) inférieurs au tarif conventionnel "
                           f"({euros(tariff.amount_cents)})")
    overrun = fee - tariff.amount_cents
    if overrun and ctx.secteur == "1":
        raise BillingError("dépassement d'honoraires interdit en secteur 1")
    if overrun and ctx.c2s:
        raise BillingError("dépassement d'honoraires interdit pour un patient en C2S")
    if overrun and ctx.mission and rules.value("mission.no_overrun", ctx.act_date):
        raise BillingError("dépassement d'honoraires interdit lors d'une mission « Un "
                           "médecin près de chez vous »")
    code = tariff.code
    nurse = code in NURSE_CODES
    cover = ctx.coverage
    teleconsultation = code in TELECONSULTATION_CODES
    if (cover and cover.partner and teleconsultation
            and rules.value("partner.teleconsultation_service", ctx.act_date)):
        notes.append(f"{cover.name}, mutuelle partenaire : la téléconsultation est un service "
                     "financé par la mutuelle selon son accord ; rien n'est demandé à "
                     "l'Assurance Maladie, vous ne payez et n'avancez rien")
        return _done(Statement(
            act_code=code, act_date=ctx.act_date, tariff_cents=tariff.amount_cents,
            tariff_source=tariff.source, fee_cents=fee, overrun_cents=overrun,
            amo_rate_percent=0, amo_gross_cents=0, participation_forfaitaire_cents=0,
            amo_cents=0, mutuelle_name=cover.name, mutuelle_cents=fee, patient_cents=0,
            patient_advance_cents=0, tiers_payant="partenaire", notes=notes,
            reimbursable=False, payers={cover.name: fee}))

    if ctx.reimbursable:
        rate, normal = _rate(ctx, nurse, notes)
    else:
        rate = normal = rules.value("rate.teleconsultation_outside_conditions", ctx.act_date)
        notes.append("Assurance Maladie : 0 €, l'acte n'est pas remboursable")
    amo_gross = pct(tariff.amount_cents, rate)
    amo_normal = pct(tariff.amount_cents, normal)
    penalty = amo_normal - amo_gross  # the hors-parcours cut, 0 in the parcours
    pf, franchise = _deductible(ctx, nurse, amo_gross, notes)
    amo = amo_gross - pf - franchise

    exonerated = ctx.ald or ctx.maternity or ctx.c2s or ctx.ame
    direct = "amo" if exonerated and ctx.reimbursable else "aucun"
    if ctx.c2s and ctx.reimbursable:
        direct = "integral"
    mutuelle = 0
    if cover and (ctx.reimbursable or not rules.value("mutuelle.only_on_reimbursed_acts",
                                                      ctx.act_date)):
        # "R % BR": AMO + mutuelle together reach R % of the tariff, never covering the
        # participation forfaitaire, the franchise or the hors-parcours cut.
        ceiling = max(0, pct(tariff.amount_cents, cover.rate_percent_of_base) - amo_normal)
        mutuelle = max(0, min(ceiling, fee - amo_gross - penalty))
        if mutuelle:
            notes.append(f"mutuelle {cover.name} : {euros(mutuelle)} (contrat à "
                         f"{cover.rate_percent_of_base} % de la base)")
    elif cover:
        notes.append(f"mutuelle {cover.name} : rien, l'acte n'étant pas remboursé par "
                     "l'Assurance Maladie (" +
                     rules.rule("mutuelle.only_on_reimbursed_acts", ctx.act_date).source + ")")
    patient = fee - amo - mutuelle
    # Under tiers payant the deductions are recovered later from the patient's future
    # refunds (ameli), so they are owed but not advanced.
    advance = {"aucun": fee, "amo": fee - amo_gross,
               "integral": max(0, fee - amo_gross - mutuelle)}[direct]
    payers = {"Assurance Maladie": amo}
    if cover and mutuelle:
        payers[cover.name] = mutuelle
    return _done(Statement(
        act_code=code, act_date=ctx.act_date, tariff_cents=tariff.amount_cents,
        tariff_source=tariff.source, fee_cents=fee, overrun_cents=overrun,
        amo_rate_percent=rate, amo_gross_cents=amo_gross,
        participation_forfaitaire_cents=pf, amo_cents=amo,
        mutuelle_name=cover.name if cover else None, mutuelle_cents=mutuelle,
        patient_cents=patient, patient_advance_cents=advance, tiers_payant=direct,
        notes=notes, reimbursable=ctx.reimbursable and rate > 0, franchise_cents=franchise,
        payers=payers))


def _done(statement: Statement) -> Statement:
    statement.check()
    return statement
