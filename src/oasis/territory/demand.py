"""Demand side of the APL: population standardised by age-specific care consumption.

DREES weights each commune's population by the mean care consumption of its age bands
("population standardisée par la consommation de soins par tranche d'âge").  Oasis's
geography carries total population only, so, unless an age table is supplied, the
standardised population *is* the population (national age structure assumed
everywhere) and every unit is flagged ``demand_approximated=True``.  With an age table
(commune × age-band counts) and consumption weights per band, each covered unit gets
the standardisation index ``r_i = (Σ_band count × weight) / Σ_band count`` and
``D_i = population_i × r_i × s``, with ``s`` chosen so that the covered units' total demand
equals their total population (so the APL keeps its "per inhabitant" reading).  When the
age table and the geography are the same vintage this is exactly Σ_band count × weight
rescaled to the table's total.  Units the table does not cover keep the fallback and
stay flagged.

``AgeStructure.positions`` (optional) gives the analysis-unit position of each row, as
:func:`oasis.territory.ages.age_structure` builds it once: the national demand then costs
one (n × bands) product, without any code lookup.
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
    positions: np.ndarray | None = None  # analysis-unit position of each row, if resolved
    source: str = ""  # where the counts and weights come from (shown in notes)

    def __post_init__(self) -> None:
        if self.counts.shape != (len(self.codes), len(self.bands)):
            raise AgeTableError("tableau des âges : dimensions incohérentes")
        if len(self.weights) != len(self.bands) or np.any(np.asarray(self.weights) < 0):
            raise AgeTableError("tableau des âges : un poids positif par tranche d'âge")
        if np.any(~np.isfinite(self.counts)) or np.any(self.counts < 0):
            raise AgeTableError("tableau des âges : effectifs négatifs ou manquants")
        if self.positions is not None and len(self.positions) != len(self.codes):
            raise AgeTableError("tableau des âges : une position par commune")


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
        if ages.positions is not None:
            rows = np.asarray(ages.positions, dtype=np.int64)
            if rows.size and (rows.min() < 0 or rows.max() >= len(population)):
                raise AgeTableError("tableau des âges : position hors de la grille d'analyse")
        else:
            where = {str(c): i for i, c in enumerate(codes)}
            rows = np.array([where.get(str(c), -1) for c in ages.codes], dtype=np.int64)
            unknown = [str(c) for c, r in zip(ages.codes, rows, strict=True) if r < 0]
            if unknown:
                raise AgeTableError("tableau des âges : communes inconnues ou hors grille : "
                                    + ", ".join(unknown[:10]))
        counts = np.asarray(ages.counts, dtype=np.float64)
        heads = counts.sum(axis=1)
        weighted = counts @ np.asarray(ages.weights, dtype=np.float64)
        index = np.divide(weighted, heads, out=np.ones(len(heads)), where=heads > 0)
        pop = population[rows]
        raw = pop * index
        scale = pop.sum() / raw.sum() if raw.sum() > 0 else 0.0
        demand[rows] = raw * scale
        approximated[rows] = False
    return Demand(population, demand, approximated)
