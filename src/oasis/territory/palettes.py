"""Colour palettes of the maps, and the colour-vision checks they must pass.

The palettes are published, colour-blind-safe schemes sampled at the class count:

* sequential ``viridis`` (matplotlib, van der Walt & Smith, CC0; designed to stay
  readable by the most common colour-vision deficiencies and in greyscale) for the
  APL, coverage and the desert classes: dark = least access, so the deserts stand out;
* sequential ``cividis`` (Nuñez, Anderton & Renslow 2018, PLOS ONE 13(7) e0199239,
  designed for all forms of colour blindness) for population density;
* diverging ``PuOr`` (ColorBrewer, Brewer & Harrower, marked colour-blind safe) for
  gaps to a threshold: orange below (deficit), purple above.  No white middle class: it
  would read as the map background.

:func:`simulate` applies the Machado, Oliveira & Fernandes (2009) matrices (severity
1.0, i.e. full protanopia / deuteranopia / tritanopia, in linear sRGB) and
:func:`delta_e` the CIE 1976 ΔE*ab in CIELAB (D65), so that tests can check that
adjacent classes stay distinguishable and that no class looks like the background.
The threshold :data:`MIN_DELTA_E` is an Oasis choice (ΔE*ab ≈ 2.3 is a just-noticeable
difference, Sharma 2003; 10 keeps classes distinct at a glance on a small screen).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

MAP_BACKGROUND = "#ffffff"
MISSING_COLOR = "#bdbdbd"  # no value: a neutral grey, not in any palette
MIN_DELTA_E = 10.0

# Sampled at 5 (or 3) even steps of the published colormaps.
VIRIDIS_5 = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
VIRIDIS_3 = ("#440154", "#21918c", "#fde725")
CIVIDIS_5 = ("#00224e", "#434e6c", "#7d7c78", "#bcae6c", "#fee838")
# ColorBrewer PuOr, 6 classes (colorbrewer2.org), orange end first.
PUOR_6 = ("#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788")

PALETTES: dict[str, dict] = {
    "viridis": {"kind": "sequential", "colors": VIRIDIS_5,
                "source": "matplotlib viridis (van der Walt & Smith, 2015, CC0)"},
    "viridis_r": {"kind": "sequential", "colors": tuple(reversed(VIRIDIS_5)),
                  "source": "matplotlib viridis inversée (la valeur la plus forte en sombre)"},
    "viridis3": {"kind": "categories", "colors": VIRIDIS_3,
                 "source": "matplotlib viridis, 3 pas"},
    "cividis": {"kind": "sequential", "colors": CIVIDIS_5,
                "source": "cividis (Nuñez, Anderton & Renslow, PLOS ONE 2018)"},
    "puor": {"kind": "diverging", "colors": PUOR_6,
             "source": "ColorBrewer PuOr 6 classes (Brewer & Harrower), sûre pour les "
                       "daltoniens"},
}

# Machado, Oliveira & Fernandes (2009), severity 1.0, linear RGB.
CVD_MATRICES = {
    "protanopie": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopie": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopie": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_D65 = np.array([0.95047, 1.0, 1.08883])


def _hex_to_linear(color: str) -> np.ndarray:
    c = color.lstrip("#")
    srgb = np.array([int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def simulate(color: str, deficiency: str | None) -> np.ndarray:
    """Linear RGB of ``color`` as seen with ``deficiency`` (None: normal vision)."""
    rgb = _hex_to_linear(color)
    if deficiency is None:
        return rgb
    return np.clip(CVD_MATRICES[deficiency] @ rgb, 0.0, 1.0)


def lab(linear_rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear sRGB triple."""
    xyz = _SRGB_TO_XYZ @ linear_rgb / _D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, deficiency: str | None = None) -> float:
    """CIE 1976 ΔE*ab between two colours as seen with ``deficiency``."""
    return float(np.linalg.norm(lab(simulate(a, deficiency)) - lab(simulate(b, deficiency))))


def weakest_contrast(colors, deficiency: str | None = None,
                     background: str = MAP_BACKGROUND) -> tuple[float, float]:
    """(smallest ΔE between adjacent classes, smallest ΔE of a class to the background)."""
    adjacent = min(delta_e(a, b, deficiency) for a, b in pairwise(colors))
    to_background = min(delta_e(c, background, deficiency) for c in colors)
    return adjacent, to_background
