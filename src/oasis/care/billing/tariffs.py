"""Dated tariff tables of the acts Oasis bills (NGAP codes), each with its source.

A tariff is looked up *at the date of the act*: a consultation on 21 December 2024 is
billed 26.50 €, one on the 22nd 30 €.  Adding a revaluation is adding a row, never
editing one, so past statements can always be recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class TariffError(LookupError):
    """No tariff for that code at that date."""


@dataclass(frozen=True)
class Tariff:
    """A conventional tariff (base de remboursement) valid over a date range."""

    code: str
    label: str
    amount_cents: int
    valid_from: date
    valid_to: date | None  # inclusive; None: still in force
    source: str

    def applies(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


_CONVENTION_2024 = ("Convention médicale du 4 juin 2024 (arrêté du 20 juin 2024, JO du "
                    "21 juin 2024), revalorisations au 22 décembre 2024 ; ameli.fr, "
                    "« Tarifs conventionnels des médecins généralistes », consulté 2026")
_AVENANT_2023 = ("Règlement arbitral du 25 avril 2023 (JO du 28 avril 2023) : G de 25 € à "
                 "26,50 € au 1er novembre 2023 (Previssima, « Téléconsultation : moins cher "
                 "que de vous rendre chez votre médecin traitant ? »)")
_NGAP_TELE = ("NGAP, Titre XVI « Téléconsultation » ; avenant 6 à la convention de 2016 (JO du "
              "10 août 2018) ; tarif TCG 25 € inchangé par la convention 2024 (ameli.fr, "
              "« Téléconsultation : tarifs », consulté 2026)")

_AVENANT_9_TE = ("Avenant 9 à la convention médicale 2016 (arrêté du 22 septembre 2021), "
                 "téléexpertise à niveau unique au 1er avril 2022 : requis TE2 20 €, "
                 "requérant RQD 10 € (Omnidoc, « Combien l'acte de téléexpertise est-il "
                 "rémunéré », et Omniprat, fiche « Téléexpertise » du 01/03/2024, lus le "
                 "01/12/2026)")
_CONVENTION_2024_TE = ("Convention médicale du 4 juin 2024 (JO du 21 juin 2024) : TE2 du médecin "
                       "requis porté de 20 € à 23 € au 1er janvier 2026, RQD inchangé à 10 € "
                       "(GIP Télésanté Bretagne, « Convention médicale : quels changements "
                       "côté télésanté ? », 20/06/2024, lu le 01/12/2026)")

TARIFFS: tuple[Tariff, ...] = (
    Tariff("G", "Consultation au cabinet du médecin généraliste", 2500,
           date(2017, 5, 1), date(2023, 10, 31),
           "Convention médicale 2016, avenant 2 (G à 25 € au 1er mai 2017)"),
    Tariff("G", "Consultation au cabinet du médecin généraliste", 2650,
           date(2023, 11, 1), date(2024, 12, 21), _AVENANT_2023),
    Tariff("G", "Consultation au cabinet du médecin généraliste", 3000,
           date(2024, 12, 22), None, _CONVENTION_2024),
    Tariff("TCG", "Téléconsultation du médecin généraliste (secteur 1 / OPTAM)", 2500,
           date(2018, 9, 15), None, _NGAP_TELE),
    Tariff("APC", "Avis ponctuel de consultant (spécialiste, sur adressage)", 5650,
           date(2017, 10, 1), date(2024, 12, 21), "Convention médicale 2016 (APC 56,50 €)"),
    Tariff("APC", "Avis ponctuel de consultant (spécialiste, sur adressage)", 6000,
           date(2024, 12, 22), None, _CONVENTION_2024 + " ; APC à 60 € (USMY, 15/01/2025)"),
    Tariff("CS", "Consultation de spécialiste (secteur 1, tarif de base)", 2650,
           date(2024, 12, 22), None,
           _CONVENTION_2024 + " ; CS à 26,50 €, la MPC étant intégrée (FMF, « Les "
           "nouveautés de la convention 2024 »)"),
    Tariff("TCS", "Téléconsultation de spécialiste", 2650, date(2024, 12, 22), None,
           _NGAP_TELE + " ; valorisée comme la consultation CS (hypothèse Oasis)"),
    Tariff("TE2", "Téléexpertise : avis du médecin requis", 2000,
           date(2022, 4, 1), date(2025, 12, 31), _AVENANT_9_TE),
    Tariff("TE2", "Téléexpertise : avis du médecin requis", 2300,
           date(2026, 1, 1), None, _CONVENTION_2024_TE),
    Tariff("RQD", "Téléexpertise : demande du professionnel requérant", 1000,
           date(2022, 4, 1), None, _AVENANT_9_TE + " ; " + _CONVENTION_2024_TE),
)

PARTICIPATION_FORFAITAIRE: tuple[Tariff, ...] = (
    Tariff("PF", "Participation forfaitaire", 100, date(2005, 1, 1), date(2024, 5, 14),
           "Code de la sécurité sociale, art. L160-13 II ; 1 € depuis 2005"),
    Tariff("PF", "Participation forfaitaire", 200, date(2024, 5, 15), None,
           "Décret n° 2024-114 du 16 février 2024 : 2 € à compter du 15 mai 2024"),
)


def _lookup(table: tuple[Tariff, ...], code: str, on: date) -> Tariff:
    for tariff in table:
        if tariff.code == code and tariff.applies(on):
            return tariff
    known = sorted({t.code for t in table})
    raise TariffError(f"pas de tarif « {code} » au {on:%d/%m/%Y} (codes connus : "
                      f"{', '.join(known)})")


def tariff_for(code: str, on: date) -> Tariff:
    """The tariff of an act code in force on ``on``."""
    return _lookup(TARIFFS, code.upper(), on)


def participation_forfaitaire(on: date) -> Tariff:
    return _lookup(PARTICIPATION_FORFAITAIRE, "PF", on)


def act_code(*, specialist: bool, teleconsultation: bool) -> str:
    """The NGAP code of a plain consultation, by kind of doctor and mode."""
    if teleconsultation:
        return "TCS" if specialist else "TCG"
    return "CS" if specialist else "G"
