"""Per-profession parameters of the APL: decay bands, units, activity rules, thresholds.

Every value carries where it comes from, because the DREES parameter tables (method page
"tableau 1" and "tableau 2") could not all be read from a primary source when this was
written (see ``docs/apl-method.md``).  ``source`` strings say which is which:

* ``drees`` — stated in a DREES publication or in the zoning arrêté of 13 November 2017;
* ``drees-usual`` — the commonly used reading of the DREES table, not re-checked against
  the primary PDF;
* ``assumption`` — an Oasis choice, to be replaced when the primary figure is known.

All of them are plain dataclass fields, so a planner can override any of them with
``dataclasses.replace(PROFESSIONS["generaliste"], band_weight=(...))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from oasis.territory.errors import TerritoryNotFound


class UnknownProfessionError(TerritoryNotFound, KeyError):
    """A profession key Oasis has no APL parameters for."""

    code = "unknown_profession"

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Profession:
    """Everything the APL needs to know about one profession."""

    key: str
    label: str  # French, for the user interface
    band_upper_min: tuple[float, ...]  # upper edge (inclusive) of each travel-time band
    band_weight: tuple[float, ...]  # weight of each band; 0 beyond the last edge
    bands_source: str
    supply_unit: str  # "cv" (consultations + visits per year) or "etp"
    output_scale: float  # multiplies Σ w·R: 1 for C+V per inhabitant, 1e5 for ETP/100k
    output_unit: str  # French label of the APL unit
    # Class thresholds: absolute (GP) or, if ``relative_thresholds``, fractions of the
    # population-weighted national mean of the computed APL.
    sous_dense: float
    vigilance: float
    relative_thresholds: bool
    thresholds_source: str
    # Activity → supply rules (per practitioner and site).
    min_activity: float = 0.0  # below: not counted (occasional practice)
    cap_activity: float = np.inf  # above: capped
    mean_activity: float = 1.0  # mean yearly supply of one full-time practitioner
    activity_source: str = "assumption"
    max_age: int | None = None  # default APL: practitioners older are not counted
    # Regulatory zoning variant (default of ``zoning.regulatory_apl``): older not counted.
    zoning_max_age: int | None = None
    zoning_max_age_source: str = ""
    # RPPS / Annuaire Santé selection.
    rpps_profession_code: str = ""
    rpps_savoir_faire: tuple[str, ...] = ()  # codes (SMxx) or lower-case label fragments
    # Synthetic demo supply calibration: (headcount, source).
    synthetic_headcount: int = 0
    synthetic_source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def max_minutes(self) -> float:
        """Beyond this travel time the weight is 0: the catchment radius."""
        return float(self.band_upper_min[-1])

    def weight(self, minutes: np.ndarray) -> np.ndarray:
        """Step distance-decay weight of each travel time (vectorised).

        A time exactly on a band edge belongs to the nearer band (``t ≤ 10`` → weight 1).
        """
        minutes = np.asarray(minutes, dtype=np.float64)
        table = np.append(np.asarray(self.band_weight, dtype=np.float64), 0.0)
        band = np.searchsorted(np.asarray(self.band_upper_min, dtype=np.float64), minutes,
                               side="left")
        out = table[band]
        out[~np.isfinite(minutes) | (minutes < 0)] = 0.0
        return out

    def effective_activity(self, activity: np.ndarray) -> np.ndarray:
        """Yearly activity → counted supply: floor (→ 0 below ``min_activity``) and cap."""
        activity = np.asarray(activity, dtype=np.float64)
        counted = np.minimum(activity, self.cap_activity)
        return np.where(activity < self.min_activity, 0.0, counted)

    def classify(self, apl: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, float, float]:
        """'sous-dense' | 'vigilance' | 'hors zone' per unit, and the thresholds used."""
        low, high = self.sous_dense, self.vigilance
        if self.relative_thresholds:
            total = float(np.sum(population))
            mean = float(np.sum(apl * population) / total) if total > 0 else 0.0
            low, high = low * mean, high * mean
        labels = np.array(["sous-dense", "vigilance", "hors zone"], dtype=object)
        return labels[(apl >= low).astype(np.int8) + (apl >= high)], low, high


_GP_BANDS = ((10.0, 15.0, 20.0), (1.0, 2.0 / 3.0, 1.0 / 3.0))
_RELATIVE_NOTE = ("Seuils relatifs : 0,75 et 1,2 fois la moyenne nationale, par analogie avec "
                  "les seuils médecins 2,5 et 4 rapportés à une moyenne d'environ 3,3 "
                  "(hypothèse Oasis).")


def _etp(key: str, label: str, rpps_code: str, headcount: int, source: str,
         savoir_faire: tuple[str, ...] = (), bands=_GP_BANDS,
         bands_source: str = "assumption") -> Profession:
    return Profession(
        key=key, label=label, band_upper_min=bands[0], band_weight=bands[1],
        bands_source=bands_source, supply_unit="etp", output_scale=100_000.0,
        output_unit="ETP pour 100 000 habitants standardisés",
        sous_dense=0.75, vigilance=1.2, relative_thresholds=True,
        thresholds_source="assumption", min_activity=0.0, cap_activity=1.0,
        mean_activity=1.0, activity_source="assumption", rpps_profession_code=rpps_code,
        rpps_savoir_faire=savoir_faire, synthetic_headcount=headcount,
        synthetic_source=source, notes=(_RELATIVE_NOTE,))


PROFESSIONS: dict[str, Profession] = {
    "generaliste": Profession(
        key="generaliste", label="Médecins généralistes",
        band_upper_min=_GP_BANDS[0], band_weight=_GP_BANDS[1], bands_source="drees-usual",
        supply_unit="cv", output_scale=1.0,
        output_unit="consultations et visites accessibles par an et par habitant standardisé",
        sous_dense=2.5, vigilance=4.0, relative_thresholds=False,
        thresholds_source="2,5 : DREES (Dossiers n°17, 2017) et arrêté du 13/11/2017 ; "
                          "4,0 (borne haute du vivier) : hypothèse",
        min_activity=250.0, cap_activity=15_000.0, mean_activity=5_000.0,
        activity_source="assumption (plancher 250 C+V et plafond 15 000 C+V non confirmés ; "
                        "5 000 C+V par an et par généraliste libéral : CNAM)",
        zoning_max_age=65,
        zoning_max_age_source="arrêté du 13 novembre 2017 (zonage médecins : généralistes de "
                              "65 ans ou moins) ; l'arrêté de 2025 le calcule par territoire "
                              "de vie-santé",
        rpps_profession_code="10", rpps_savoir_faire=("SM54", "SM53", "SM26",
                                                      "médecine générale"),
        synthetic_headcount=52_149,
        synthetic_source="52 149 généralistes libéraux au 1er janvier 2023 (DREES / CNAM "
                         "Data PS) ; environ 5 000 C+V par an chacun (CNAM)"),
    "infirmier": _etp("infirmier", "Infirmiers", "60", 100_000,
                      "environ 100 000 infirmiers libéraux en 2021 (CNAM Data PS)"),
    "masseur_kinesitherapeute": _etp(
        "masseur_kinesitherapeute", "Masseurs-kinésithérapeutes", "70", 73_000,
        "plus de 73 000 masseurs-kinésithérapeutes libéraux en 2021 (CNAM Data PS)"),
    "sage_femme": _etp(
        "sage_femme", "Sages-femmes", "50", 8_000,
        "environ 8 000 sages-femmes libérales (hypothèse : effectif non confirmé)",
        bands=((15.0, 20.0, 30.0), (1.0, 2.0 / 3.0, 1.0 / 3.0))),
    "chirurgien_dentiste": _etp(
        "chirurgien_dentiste", "Chirurgiens-dentistes", "40", 35_344,
        "35 344 chirurgiens-dentistes libéraux en 2021 (CNAM Data PS)",
        bands=((15.0, 20.0, 30.0), (1.0, 2.0 / 3.0, 1.0 / 3.0))),
    "ophtalmologue": _etp(
        "ophtalmologue", "Ophtalmologues", "10", 3_000,
        "environ 3 000 ophtalmologues libéraux (hypothèse : effectif non confirmé)",
        savoir_faire=("SM38", "ophtalmologie"),
        bands=((20.0, 30.0, 45.0), (1.0, 2.0 / 3.0, 1.0 / 3.0))),
    "dermatologue": _etp(
        "dermatologue", "Dermatologues", "10", 2_800,
        "environ 2 800 dermatologues libéraux (hypothèse : effectif non confirmé)",
        savoir_faire=("SM15", "dermatologie"),
        bands=((20.0, 30.0, 45.0), (1.0, 2.0 / 3.0, 1.0 / 3.0))),
}


def get_profession(key: str | Profession) -> Profession:
    """Parameters of a profession, by key (``generaliste``, ``infirmier``…)."""
    if isinstance(key, Profession):
        return key
    try:
        return PROFESSIONS[key]
    except KeyError:
        raise UnknownProfessionError(
            f"profession inconnue « {key} » ; professions disponibles : "
            f"{', '.join(PROFESSIONS)}") from None
