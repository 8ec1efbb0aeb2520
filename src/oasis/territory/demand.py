"""Demand side of the APL: population standardised by age-specific care consumption.

DREES weights each commune's population by the mean care consumption of its age bands
("population standardisée par la consommation de soins par tranche d'âge").  Oasis's
geography carries total population only, so, unless an age table is supplied, the
standardised population *is* the population (national age structure assumed
everywhere) and every unit is flagged ``demand_approximated=True``.  With an age table
(commune × age-band counts) and consumption weights per band, demand is
Σ_band count × weight, normalised so that the national total equals the national
population (so the APL keeps its "per inhabitant" reading).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oasis.territory.errors import TerritoryInputError


class AgeTableError(TerritoryInputError):
    """An age-structure table that cannot be used."""

    code = "invalid_age_table"


@dataclass(frozen=True)
class AgeStructure:
    """Counts per unit and age band, with one consumption weight per band."""

    codes: np.ndarray  # INSEE codes (analysis units)
    bands: tuple[str, ...]
    counts: np.ndarray  # (len(codes), len(bands)) float
    weights: np.ndarray  # (len(bands),) relative consumption per head

    def __post_init__(self) -> None:
        if self.counts.shape != (len(self.codes), len(self.bands)):
            raise AgeTableError("tableau des âges : dimensions incohérentes")
        if len(self.weights) != len(self.bands) or np.any(np.asarray(self.weights) < 0):
            raise AgeTableError("tableau des âges : un poids positif par tranche d'âge")
        if np.any(~np.isfinite(self.counts)) or np.any(self.counts < 0):
            raise AgeTableError("tableau des âges : effectifs négatifs ou manquants")


@dataclass(frozen=True)
class Demand:
    population: np.ndarray  # float64 per analysis unit
    standardised: np.ndarray  # float64 per analysis unit (D_k)
    approximated: np.ndarray  # bool per analysis unit


def standardised_demand(population: np.ndarray, codes: np.ndarray,
                        ages: AgeStructure | None = None) -> Demand:
    """D_k for every analysis unit; see the module docstring for the fallback."""
    population = np.asarray(population, dtype=np.float64)
    demand = population.copy()
    approximated = np.ones(len(population), dtype=bool)
    if ages is not None:
        where = {str(c): i for i, c in enumerate(codes)}
        rows = np.array([where.get(str(c), -1) for c in ages.codes])
        unknown = [str(c) for c, r in zip(ages.codes, rows, strict=True) if r < 0]
        if unknown:
            raise AgeTableError("tableau des âges : communes inconnues ou hors grille : "
                                + ", ".join(unknown[:10]))
        counts = np.asarray(ages.counts, dtype=np.float64)
        weighted = counts @ np.asarray(ages.weights, dtype=np.float64)
        total_counts = counts.sum()
        scale = total_counts / weighted.sum() if weighted.sum() > 0 else 0.0
        demand[rows] = weighted * scale
        approximated[rows] = False
    return Demand(population, demand, approximated)
