"""Who pays what for one consultation: Assurance Maladie, mutuelle, patient.

Rules implemented (Code de la sécurité sociale; ameli.fr « Les taux de remboursement »
and « Le parcours de soins coordonnés », consulted 2026):

* **Assurance Maladie (AMO)**: 70 % of the tariff (base de remboursement) in the
  parcours de soins coordonné; **30 %** outside it (CSS art. D160-3 and L162-5-3: the
  rate is lowered by 40 points when the patient has no declared médecin traitant or
  consults without referral, with exceptions: under 16, emergency, doctor away from
  home, specialists in direct access — gynaecology, ophthalmology, psychiatry 16–25,
  stomatology).  100 % for care linked to an exonerating ALD, for maternity (from the
  6th month of pregnancy) and for C2S beneficiaries.
* **Participation forfaitaire** (CSS art. L160-13 II), deducted from the AMO payment:
  2 € since 15 May 2024; not charged under 18, in maternity, to C2S or AME beneficiaries.
* **Dépassement**: only above the tariff in secteur 2 / OPTAM; never reimbursed by the
  AMO; C2S patients may not be charged one.
* **Mutuelle**: a contract at R % BR brings AMO + mutuelle up to R % of the tariff
  (100 % BR = the ticket modérateur; 200 % BR also covers dépassements up to one more
  tariff) but, being a contrat responsable (CSS art. L871-1, R871-1), never the
  participation forfaitaire nor the hors-parcours cut.
* **Partner mutuelle (tiers payant intégral)**: pays the whole rest, participation
  forfaitaire included, and both payers are billed directly: the patient pays 0 € and
  advances nothing.  This is Oasis's partner commitment, not a statutory rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from oasis.care.billing.tariffs import participation_forfaitaire, tariff_for

RATE_PARCOURS = 70
RATE_HORS_PARCOURS = 30
RATE_FULL = 100


def pct(amount_cents: int, percent: int) -> int:
    """Percentage of an amount in cents, rounded half up (never floats)."""
    return (amount_cents * percent + 50) // 100


@dataclass(frozen=True)
class Coverage:
    """A patient's complementary cover (mutuelle) for this act."""

    name: str
    rate_percent_of_base: int = 100  # 100 = ticket modérateur only
    partner: bool = False  # Oasis partner: tiers payant intégral, covers everything

    def __post_init__(self) -> None:
        if self.rate_percent_of_base < 0:
            raise ValueError("le taux de la mutuelle ne peut pas être négatif")


@dataclass(frozen=True)
class BillingContext:
    """Everything the rules need about one act; no identity, no health data."""

    act_date: date
    act_code: str  # G, TCG, CS, TCS, APC
    fee_cents: int | None = None  # what the doctor charges; None = the tariff (secteur 1)
    secteur: str = "1"  # "1", "2", "OPTAM"
    patient_age: int = 40
    in_parcours: bool = True  # médecin traitant declared, or referred, or an exception
    ald: bool = False  # act linked to an exonerating affection de longue durée
    maternity: bool = False  # from the 6th month of pregnancy to 12 days after birth
    c2s: bool = False  # complémentaire santé solidaire
    ame: bool = False  # aide médicale de l'État
    coverage: Coverage | None = None


class BillingError(ValueError):
    """An act that cannot be billed as described (the message says why, in French)."""


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
    tiers_payant: str  # "aucun", "amo", "integral"
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["act_date"] = self.act_date.isoformat()
        return data

    def check(self) -> None:
        """Internal consistency: the three payers add up to the fee."""
        total = self.amo_cents + self.mutuelle_cents + self.patient_cents
        if total != self.fee_cents:
            raise AssertionError(f"statement does not balance: {total} != {self.fee_cents}")


def bill(ctx: BillingContext) -> Statement:
    """Split one act's fee between Assurance Maladie, mutuelle and patient."""
    tariff = tariff_for(ctx.act_code, ctx.act_date)
    fee = tariff.amount_cents if ctx.fee_cents is None else ctx.fee_cents
    notes: list[str] = []
    if fee < tariff.amount_cents:
        raise BillingError(f"honoraires ({fee / 100:.2f} €) inférieurs au tarif "
                           f"conventionnel ({tariff.amount_cents / 100:.2f} €)")
    overrun = fee - tariff.amount_cents
    if overrun and ctx.secteur == "1":
        raise BillingError("dépassement d'honoraires interdit en secteur 1")
    if overrun and ctx.c2s:
        raise BillingError("dépassement d'honoraires interdit pour un patient en C2S")

    exonerated = ctx.ald or ctx.maternity or ctx.c2s
    if exonerated:
        rate = RATE_FULL
        notes.append("prise en charge à 100 % (ALD, maternité ou C2S)")
    elif ctx.in_parcours:
        rate = RATE_PARCOURS
    else:
        rate = RATE_HORS_PARCOURS
        notes.append("hors parcours de soins coordonné : remboursement à 30 %")
    amo_gross = pct(tariff.amount_cents, rate)
    amo_normal = pct(tariff.amount_cents, RATE_FULL if exonerated else RATE_PARCOURS)
    penalty = amo_normal - amo_gross  # the hors-parcours cut, 0 in the parcours

    exempt = ctx.patient_age < 18 or ctx.maternity or ctx.c2s or ctx.ame
    pf = 0 if exempt else min(participation_forfaitaire(ctx.act_date).amount_cents, amo_gross)
    if pf:
        notes.append(f"participation forfaitaire de {pf / 100:.2f} € déduite")
    amo = amo_gross - pf

    cover = ctx.coverage
    direct = "amo" if exonerated else "aucun"
    if cover and cover.partner:
        mutuelle, tiers_payant = fee - amo, "integral"
        notes.append(f"mutuelle partenaire {cover.name} : tiers payant intégral, rien à avancer")
    elif cover:
        # "R % BR" means AMO + mutuelle together reach R % of the tariff.  A contrat
        # responsable covers neither the participation forfaitaire nor the hors-parcours
        # cut (CSS art. L871-1, R871-1).
        ceiling = max(0, pct(tariff.amount_cents, cover.rate_percent_of_base) - amo_normal)
        mutuelle, tiers_payant = max(0, min(ceiling, fee - amo_gross - penalty)), direct
    else:
        mutuelle, tiers_payant = 0, direct
    patient = fee - amo - mutuelle
    advance = {"integral": 0, "amo": fee - amo, "aucun": fee}[tiers_payant]
    statement = Statement(
        act_code=tariff.code, act_date=ctx.act_date, tariff_cents=tariff.amount_cents,
        tariff_source=tariff.source, fee_cents=fee, overrun_cents=overrun,
        amo_rate_percent=rate, amo_gross_cents=amo_gross, participation_forfaitaire_cents=pf,
        amo_cents=amo, mutuelle_name=cover.name if cover else None, mutuelle_cents=mutuelle,
        patient_cents=patient, patient_advance_cents=advance, tiers_payant=tiers_payant,
        notes=notes,
    )
    statement.check()
    return statement
