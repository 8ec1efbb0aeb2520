"""Map layers for the planners: boundaries as GeoJSON, indicator values apart.

Geometry and indicator values travel separately so the browser caches the (large,
static) boundaries once and fetches only small ``{code: value}`` objects when the
planner switches indicator.  The national layer is simplified to 0.01° (≈ 1 km, below a
pixel on a whole-France map); a department layer keeps the shipped 0.0015°.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
import shapely.geometry

from oasis.territory.demo import coverage_share, depends_on_demo_apl
from oasis.territory.dissolve import load_territories
from oasis.territory.errors import TerritoryInputError, TerritoryNotFound
from oasis.territory.geography import Geography, load_geography, read_boundaries
from oasis.territory.indicators import CLASSES, aggregate, check_level
from oasis.territory.palettes import MAP_BACKGROUND, MISSING_COLOR, PALETTES

NATIONAL_TOLERANCE = 0.01
DEPARTMENT_TOLERANCE = 0.0015


def layer_rows(geo: Geography, dep: str | None) -> np.ndarray:
    """Analysis units of metropolitan France, or of one department (DROM included)."""
    mask = geo.analysis_units & (geo.zone == "metro" if dep is None else geo.dep == dep)
    return np.flatnonzero(mask)


@lru_cache(maxsize=16)
def geojson_layer(path: str, dep: str | None) -> bytes:
    """FeatureCollection of commune boundaries; properties: code and name only (the rest
    comes with the indicator values, keeping the national layer small)."""
    geo = load_geography()
    rows = layer_rows(geo, dep)
    if rows.size == 0:
        raise KeyError(dep)
    wkb = read_boundaries(path, rows)
    keep = [i for i, b in enumerate(wkb) if b is not None]
    shapes = shapely.from_wkb(np.array([wkb[i] for i in keep], dtype=object))
    tolerance = NATIONAL_TOLERANCE if dep is None else DEPARTMENT_TOLERANCE
    if dep is None:
        shapes = shapely.simplify(shapes, tolerance, preserve_topology=True)
    shapes = shapely.set_precision(shapes, tolerance / 10)
    geometries = shapely.to_geojson(shapes)
    features = []
    for geometry, k in zip(geometries, keep, strict=True):
        i = rows[k]
        props = {"code": geo.code[i], "name": geo.name[i]}
        features.append(f'{{"type":"Feature","properties":{json.dumps(props)},'
                        f'"geometry":{geometry}}}')
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


def departments() -> list[dict[str, str]]:
    geo = load_geography()
    seen: dict[str, str] = {}
    for i in np.flatnonzero(geo.analysis_units):
        seen.setdefault(str(geo.dep[i]), str(geo.dep_name[i]))
    return [{"code": c, "name": n} for c, n in sorted(seen.items())]


@lru_cache(maxsize=1)
def territories() -> dict:
    """EPCI, department and region boundaries (dissolved once, cached on disk)."""
    return load_territories(load_geography())


@lru_cache(maxsize=32)
def territory_layer(path: str, level: str, dep: str | None) -> bytes:
    """FeatureCollection of the territories of ``level`` (metropolitan France, or those
    with a commune in ``dep``), largest first so that enclaves are drawn on top."""
    geo = load_geography()
    layer = territories()[level]
    if dep is None:
        sel = np.flatnonzero(layer.zone == "metro")
    else:
        keys = {"epci": geo.epci, "departement": geo.dep, "region": geo.region}[level]
        wanted = {k for k in keys[geo.dep == dep] if k is not None}
        sel = np.flatnonzero(np.isin(layer.code, list(wanted)))
    if sel.size == 0:
        raise KeyError(dep)
    shapes = shapely.from_wkb(np.array([layer.wkb[i] for i in sel], dtype=object))
    tolerance = NATIONAL_TOLERANCE if dep is None else DEPARTMENT_TOLERANCE
    if dep is None:
        shapes = shapely.simplify(shapes, tolerance, preserve_topology=True)
    shapes = shapely.set_precision(shapes, tolerance / 10)
    order = np.argsort(-shapely.area(shapes), kind="stable")
    geometries = shapely.to_geojson(shapes)
    features = []
    for k in order:
        props = {"code": layer.code[sel[k]], "name": layer.name[sel[k]]}
        features.append(f'{{"type":"Feature","properties":{json.dumps(props)},'
                        f'"geometry":{geometries[k]}}}')
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


def _column(level: str, column: str, digits: int, scale: float = 1.0) -> dict[str, float]:
    frame = aggregate(level)
    values = frame[column].to_numpy(dtype=float) * scale
    ok = np.isfinite(values)
    return dict(zip(frame.index[ok].tolist(), np.round(values[ok], digits).tolist(),
                    strict=True))


def population_density(level: str = "commune") -> dict[str, float]:
    """Inhabitants per km², the indicator every map can show without any model."""
    frame = aggregate(level)
    area = frame["area_km2"].to_numpy(dtype=float)
    ok = np.isfinite(area)
    density = frame["population"].to_numpy()[ok] / np.maximum(area[ok], 0.01)
    return dict(zip(frame.index[ok].tolist(), np.round(density, 1).tolist(), strict=True))


def apl_generaliste(level: str = "commune") -> dict[str, float]:
    """APL per commune, population-weighted above."""
    return _column(level, "apl", 3)


def desert_class(level: str = "commune") -> dict[str, int]:
    """Position of the class in LEGENDS["classe"]["names"] (sous-dense first)."""
    labels = aggregate(level)["apl_class"]
    return {code: CLASSES.index(c) for code, c in labels.items()}


def share_sous_dense(level: str = "commune") -> dict[str, float]:
    return _column(level, "share_sous_dense", 1, 100.0)


def coverage_30(level: str = "commune") -> dict[str, float]:
    return coverage_share(level)


def apl_gap(level: str = "commune") -> dict[str, float]:
    """APL minus the sous-dense threshold (2.5 for GPs): negative = deficit."""
    low = aggregate(level).attrs["thresholds"][0]
    return {k: round(v - low, 3) for k, v in _column(level, "apl", 3).items()}


INDICATORS = {
    "apl": ("APL médecins généralistes (consultations/an/hab.) — offre de démonstration "
            "synthétique", apl_generaliste),
    "ecart": ("Écart de l'APL au seuil sous-dense de 2,5 (consultations/an/hab.) — offre "
              "de démonstration synthétique", apl_gap),
    "classe": ("Zonage : classe d'APL (sous-dense < 2,5 ; vigilance < 4) — offre de "
               "démonstration synthétique", desert_class),
    "part_sous_dense": ("Part de la population en commune sous-dense (%) — offre de "
                        "démonstration synthétique", share_sous_dense),
    "couverture": ("Population à 30 minutes ou moins d'un lieu de soins (%) — sites de "
                   "démonstration synthétiques", coverage_30),
    "densite": ("Densité de population (hab./km²)", population_density),
}

# How each indicator is drawn: unit (legend and tooltip), palette (territory/palettes.py)
# and class breaks: "quantiles" recomputed for each level (so a region map is never one
# flat colour), "diverging" (symmetric around 0, quantiles of |value|), or "categories".
STYLE: dict[str, dict] = {
    "apl": {"unit": "consultations/an/hab.", "palette": "viridis", "breaks": "quantiles",
            "digits": 2},
    "ecart": {"unit": "consultations/an/hab.", "palette": "puor", "breaks": "diverging",
              "digits": 2},
    "classe": {"unit": "", "palette": "viridis3", "breaks": "categories", "digits": 0},
    "part_sous_dense": {"unit": "%", "palette": "viridis_r", "breaks": "quantiles",
                        "digits": 1},
    "couverture": {"unit": "%", "palette": "viridis", "breaks": "quantiles", "digits": 1},
    "densite": {"unit": "hab./km²", "palette": "cividis", "breaks": "quantiles",
                "digits": 0},
}
# Class names of the categorical indicators (colours: STYLE and territory/palettes.py).
LEGENDS: dict[str, dict] = {
    "classe": {"names": ["sous-dense", "vigilance", "autre"], "categories": True},
}
CLASS_COUNT = 5


def _nice(x: float, significant: int = 2) -> float:
    """Round a break to 2 significant digits (legends read « 3,4 », not « 3,4172 »)."""
    if x == 0 or not np.isfinite(x):
        return 0.0
    digits = significant - 1 - int(np.floor(np.log10(abs(x))))
    return float(round(x, digits))


def class_breaks(values, method: str = "quantiles", classes: int = CLASS_COUNT
                 ) -> list[float]:
    """Class breaks of ``values`` (v is in class i when breaks[i-1] <= v < breaks[i]).

    Quantiles of the level's own values, rounded and deduplicated (fewer classes when
    values are tied); diverging: -b…, 0, …b from the quantiles of |values|, so that 0
    (the threshold) is always a break."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return []
    if method == "diverging":
        half = classes // 2
        qs = np.quantile(np.abs(v), np.arange(1, half) / half)
        pos = sorted({_nice(q) for q in qs if q > 0})
        return [-q for q in reversed(pos)] + [0.0] + pos
    qs = np.quantile(v, np.arange(1, classes) / classes)
    out = sorted({_nice(q) for q in qs})
    out = [b for b in out if v.min() < b <= v.max()]
    top = v.max()
    if len(out) < classes - 1 and (v < top).sum() >= classes:
        # Saturated values (coverage: most territories at 100 %): the maximum is its
        # own class and the rest is split by quantiles, with one more digit.
        rest = v[v < top]
        qs = np.quantile(rest, np.arange(1, classes - 1) / (classes - 1))
        out = sorted({_nice(q, 3) for q in qs if rest.min() < _nice(q, 3) < top} | {float(top)})
    return out


def class_colors(palette: str, count: int) -> list[str]:
    """``count`` colours spread over the palette (both ends always kept)."""
    colors = list(PALETTES[palette]["colors"])
    if count >= len(colors):
        return colors
    picks = np.round(np.linspace(0, len(colors) - 1, count)).astype(int)
    return [colors[i] for i in picks]


def legend(name: str, values: dict) -> dict:
    """Breaks, colours, unit and class names of one indicator at one level."""
    style = STYLE[name]
    palette = style["palette"]
    out = {"unit": style["unit"], "palette": palette, "digits": style["digits"],
           "palette_source": PALETTES[palette]["source"], "method": style["breaks"],
           "missing": MISSING_COLOR, "background": MAP_BACKGROUND, "names": None}
    if style["breaks"] == "categories":
        out.update(breaks=[1, 2], colors=list(PALETTES[palette]["colors"]),
                   names=list(LEGENDS[name]["names"]))
        return out
    if style["breaks"] == "diverging":
        breaks = class_breaks(values.values(), "diverging", 6)
        colors = list(PALETTES[palette]["colors"])
        half = len(colors) // 2
        k = len(breaks) // 2  # breaks on each side of 0
        colors = colors[half - k - 1:half] + colors[half:half + k + 1]
        out.update(breaks=breaks, colors=colors,
                   names=["déficit"] * (k + 1) + ["au-dessus du seuil"] * (k + 1))
        return out
    breaks = class_breaks(values.values(), "quantiles")
    out.update(breaks=breaks, colors=class_colors(palette, len(breaks) + 1))
    return out


LEVEL_CHOICES = [("commune", "Communes"), ("epci", "EPCI (intercommunalités)"),
                 ("departement", "Départements"), ("region", "Régions")]


def unknown_department(dep: str | None) -> TerritoryNotFound:
    return TerritoryNotFound(f"département inconnu : {dep}", code="unknown_department")


def commune_layer(path: str, dep: str | None) -> bytes:
    """The commune boundaries of metropolitan France or of one department."""
    try:
        return geojson_layer(path, dep)
    except KeyError:
        raise unknown_department(dep) from None


def level_layer(path: str, level: str, dep: str | None) -> bytes:
    """The boundaries of ``level`` (commune, epci, departement, region)."""
    if level == "commune":
        return commune_layer(path, dep)
    if level not in ("epci", "departement", "region"):
        raise TerritoryNotFound(f"niveau inconnu : {level} ; niveaux : commune, epci, "
                                "departement, region", code="unknown_level")
    try:
        return territory_layer(path, level, dep)
    except KeyError:
        raise unknown_department(dep) from None


def indicator_values(name: str, level: str) -> dict:
    """An indicator's values by territory of ``level``, with its label and categories."""
    if name not in INDICATORS:
        raise TerritoryNotFound(f"indicateur inconnu : {name} ; disponibles : "
                                f"{', '.join(INDICATORS)}", code="unknown_indicator")
    try:
        check_level(level)
    except ValueError as exc:
        raise TerritoryNotFound(str(exc), code="unknown_level") from None
    label, compute = INDICATORS[name]
    values = compute(level)
    payload = {"name": name, "label": label, "level": level, "values": values,
               "legend": legend(name, values)}
    if LEGENDS.get(name, {}).get("categories"):
        payload["categories"] = LEGENDS[name]["names"]
    return payload


# ------------------------------------------------------------------ labels, search, sheet
PREFECTURES_FILE = Path(__file__).resolve().parents[1] / "data" / "rules" / "prefectures.csv"
LARGE_TOWN_POPULATION = 50_000  # labelled « grande ville » (Oasis choice)


@lru_cache(maxsize=1)
def _prefecture_codes() -> frozenset[str]:
    import csv

    with PREFECTURES_FILE.open(encoding="utf-8") as fh:
        return frozenset(r["code"] for r in csv.DictReader(fh))


def place_labels(dep: str | None = None) -> list[dict]:
    """Préfectures and towns of 50 000 inhabitants or more (metropolitan France, or one
    department), largest first, so the page can draw the biggest when space is short."""
    geo = load_geography()
    pref = _prefecture_codes()
    mask = geo.is_commune & np.isfinite(geo.lat) & np.isfinite(geo.lon)
    mask &= (geo.zone == "metro") if dep is None else (geo.dep == dep)
    if dep is not None and not mask.any():
        raise unknown_department(dep)
    codes = geo.code.astype(str)
    keep = mask & (np.isin(codes, list(pref)) | (geo.population >= LARGE_TOWN_POPULATION))
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(-geo.population[rows], kind="stable")]
    return [{"code": str(codes[r]), "name": str(geo.name[r]), "lat": round(float(geo.lat[r]), 4),
             "lon": round(float(geo.lon[r]), 4), "population": int(geo.population[r]),
             "kind": "prefecture" if codes[r] in pref else "ville"} for r in rows]


def search_places(text: str, limit: int = 8) -> list[dict]:
    """Communes matching ``text`` (name, code or postal code) with the point to zoom to
    and the map feature to highlight (the arrondissements' city is drawn as its parts)."""
    geo = load_geography()
    if len(text.strip()) < 2:
        raise TerritoryInputError("tapez au moins 2 caractères", code="query_too_short")
    out = []
    for r in geo.search(text, limit):
        if not (np.isfinite(geo.lat[r]) and np.isfinite(geo.lon[r])):
            continue
        out.append({"code": str(geo.code[r]), "name": str(geo.name[r]),
                    "dep": str(geo.dep[r]), "dep_name": str(geo.dep_name[r] or ""),
                    "lat": float(geo.lat[r]), "lon": float(geo.lon[r]),
                    "population": int(geo.population[r]),
                    "zone": str(geo.zone[r])})
    return out


def territory_sheet(level: str, code: str) -> dict:
    """What the planner reads on click: APL with unit and class, population, nearest
    site and drive time (« hors de portée » when none in the travel area), priority
    rank at that level, and France Santé coverage (population within 30 minutes)."""
    from oasis.territory.coverage import minutes_text
    from oasis.territory.demo import all_demo_sites, demo_coverage
    from oasis.territory.indicators import demo_zoning

    try:
        check_level(level)
    except ValueError as exc:
        raise TerritoryNotFound(str(exc), code="unknown_level") from None
    frame = aggregate(level)
    if code not in frame.index:
        raise TerritoryNotFound(f"territoire inconnu : {code} ({level})",
                                code="unknown_territory")
    rec = frame.loc[code]
    ranked = demo_zoning().priority(None, level)
    key = {"commune": "code", "epci": "epci", "departement": "dep", "region": "region"}[level]
    rank_of = dict(zip(ranked[key].astype(str), ranked["rank"].astype(int), strict=True))
    cov = demo_coverage()
    unit = STYLE["apl"]["unit"]
    sheet = {"level": level, "code": code, "name": str(rec["name"]),
             "population": int(rec["population"]), "apl": round(float(rec["apl"]), 2),
             "apl_unit": unit, "apl_class": str(rec["apl_class"]),
             "priority_rank": rank_of.get(code), "priority_of": len(ranked),
             "synthetic": True}
    if level == "commune":
        c = cov.communes.set_index("code").loc[code]
        minutes = float(c["minutes_to_site"])
        sites = all_demo_sites()
        site_name = ""
        if c["nearest_site"]:
            where = np.flatnonzero(sites.id == c["nearest_site"])
            site_name = str(sites.name[where[0]]) if where.size else str(c["nearest_site"])
        sheet.update(nearest_site=site_name or None,
                     minutes_to_site=minutes if np.isfinite(minutes) else None,
                     drive_time=minutes_text(minutes), covered=bool(c["covered"]),
                     coverage_share=100.0 if c["covered"] else 0.0)
    else:
        t = cov.level(level).set_index(key)
        share = float(t.loc[code, "share_covered"]) if code in t.index else 0.0
        worst = float(t.loc[code, "max_minutes"]) if code in t.index else float("inf")
        sheet.update(nearest_site=None, minutes_to_site=None,
                     drive_time=f"commune la plus éloignée : {minutes_text(worst)}",
                     covered=share >= 1.0, coverage_share=round(100 * share, 1))
    sheet["coverage_text"] = (f"{sheet['coverage_share']:.1f}".replace(".", ",")
                              + " % de la population à 30 minutes ou moins d'un lieu de "
                                "soins (sites de démonstration)")
    return sheet


@lru_cache(maxsize=1)
def siting_points() -> list[dict]:
    """Points of the demo siting proposal: 20 new sites (greedy MCLP, 30 minutes, against
    the demo sites) for the map layer « sites proposés »."""
    from oasis.territory.demo import all_demo_sites
    from oasis.territory.siting import build_instance, plan_sites

    geo = load_geography()
    instance = build_instance(geo, minutes=30.0, min_population=1_000,
                              existing=all_demo_sites())
    plan = plan_sites(instance, 20, method="greedy")
    out = []
    for rec in plan.sites.itertuples():
        r = geo.row(str(rec.code))
        out.append({"code": str(rec.code), "name": str(rec.name), "lat": float(geo.lat[r]),
                    "lon": float(geo.lon[r]), "rank": int(rec.rank),
                    "label": f"Site proposé n° {int(rec.rank)} : {rec.name} (+"
                             f"{int(rec.newly_covered):,} habitants à 30 min)"
                             .replace(",", "\u202f")})
    return out


# ------------------------------------------------------------------ pre-projected paths
# The commune level is 35 000 polygons: parsing GeoJSON and projecting a million points
# in the browser took seconds.  The layer is served once projected, quantised to integer
# units (1 unit = 0.001° of latitude ≈ 111 m, below the 0.01° simplification) and written
# as relative SVG path data, so the page only inserts ready-made paths (benchmark:
# benchmarks/map_first_paint.py).  The projection is the page's own (equirectangular at
# the layer's mid-latitude), so labels and points are placed by the same formula.
PATH_UNITS_PER_DEGREE = 1000.0


def _ring_path(coords: np.ndarray, x0: float, y0: float, k: float) -> str:
    x = np.round((coords[:, 0] - x0) * k * PATH_UNITS_PER_DEGREE).astype(np.int64)
    y = np.round((y0 - coords[:, 1]) * PATH_UNITS_PER_DEGREE).astype(np.int64)
    keep = np.ones(len(x), dtype=bool)
    keep[1:] = (np.diff(x) != 0) | (np.diff(y) != 0)
    x, y = x[keep], y[keep]
    if len(x) < 3:
        return ""
    dx, dy = np.diff(x), np.diff(y)
    steps = " ".join(f"{a} {b}" for a, b in zip(dx.tolist(), dy.tolist(), strict=True))
    return f"M{x[0]} {y[0]}l{steps}z"


def _geometry_path(geom, x0: float, y0: float, k: float) -> str:
    parts = []
    polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    for poly in polys:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            parts.append(_ring_path(np.asarray(ring.coords), x0, y0, k))
    return "".join(parts)


@lru_cache(maxsize=32)
def path_layer(path: str, level: str, dep: str | None) -> bytes:
    """The layer of :func:`level_layer` as ``{"bbox", "k", "width", "height",
    "features": [[code, name, d], …]}`` with pre-projected integer SVG paths."""
    body = json.loads(level_layer(path, level, dep))
    feats, shapes = [], []
    for f in body["features"]:
        s = shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None
        if s is not None and not s.is_empty:
            feats.append(f)
            shapes.append(s)
    if not shapes:
        raise TerritoryNotFound("aucun contour pour ce territoire", code="unknown_department")
    bounds = np.array([s.bounds for s in shapes])
    bbox = [float(bounds[:, 0].min()), float(bounds[:, 1].min()),
            float(bounds[:, 2].max()), float(bounds[:, 3].max())]
    k = float(np.cos(np.radians((bbox[1] + bbox[3]) / 2)))
    out = []
    for f, s in zip(feats, shapes, strict=True):
        d = _geometry_path(s, bbox[0], bbox[3], k)
        if d:
            out.append([f["properties"]["code"], f["properties"]["name"], d])
    width = round((bbox[2] - bbox[0]) * k * PATH_UNITS_PER_DEGREE)
    height = round((bbox[3] - bbox[1]) * PATH_UNITS_PER_DEGREE)
    return json.dumps({"bbox": bbox, "k": k, "units_per_degree": PATH_UNITS_PER_DEGREE,
                       "width": width, "height": height, "features": out},
                      ensure_ascii=False, separators=(",", ":")).encode()


@lru_cache(maxsize=32)
def path_layer_gzip(path: str, level: str, dep: str | None) -> bytes:
    """:func:`path_layer` compressed once (gzip level 6), not on every request."""
    import gzip

    return gzip.compress(path_layer(path, level, dep), compresslevel=6)


@depends_on_demo_apl
@lru_cache(maxsize=64)
def indicator_json(name: str, level: str) -> bytes:
    """:func:`indicator_values` serialised once: the commune level is 35 000 values, and
    validating and encoding them on every request cost more than drawing them."""
    return json.dumps(indicator_values(name, level), ensure_ascii=False,
                      separators=(",", ":")).encode()


@depends_on_demo_apl
@lru_cache(maxsize=64)
def indicator_json_gzip(name: str, level: str) -> bytes:
    """:func:`indicator_json` compressed once: the middleware's gzip of the 480 kB
    commune values took 130 ms of every request (level 9, each time)."""
    import gzip

    return gzip.compress(indicator_json(name, level), compresslevel=6)


@lru_cache(maxsize=128)
def etag(body: bytes) -> str:
    """A strong validator of a cached body (the same bytes → the same tag; the bodies
    are the cached objects themselves, whose hash Python keeps: computed once)."""
    import hashlib

    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'



# ------------------------------------------------------------------ plan maps
# The coordinators' plans drawn on the app's map (static/js/plan-map.js): a categorical
# layer (what the plan changes, with its unit in the legend's title) and markers.
PLAN_COLORS = PALETTES["viridis3"]["colors"]  # colour-blind safe, dark → light


def _categories(values: dict[str, int], label: str, names: list[str],
                missing: str = "pas de valeur") -> dict:
    return {"name": "plan", "label": label, "values": values, "categories": names,
            "legend": {"unit": "", "palette": "viridis3", "digits": 0,
                       "palette_source": PALETTES["viridis3"]["source"],
                       "method": "categories", "missing": MISSING_COLOR,
                       "background": MAP_BACKGROUND, "names": names,
                       "missing_label": missing, "breaks": list(range(1, len(names))),
                       "colors": list(PLAN_COLORS[:len(names)])}}


def _point(geo, code: str, label: str) -> dict | None:
    r = geo.index.get(code)
    if r is None or not (np.isfinite(geo.lat[r]) and np.isfinite(geo.lon[r])):
        return None
    return {"code": code, "name": str(geo.name[r]), "lat": round(float(geo.lat[r]), 4),
            "lon": round(float(geo.lon[r]), 4), "label": label}


def siting_map(plan, dep: str) -> dict:
    """The siting plan of one department: each commune covered before the plan, covered
    thanks to the new sites, or still beyond the plan's minutes; the new sites as
    markers (rank, name, residents newly covered)."""
    minutes = round(plan.instance.minutes)
    cov = plan.commune_coverage()
    cls = np.where(cov["covered_before"], 2, np.where(cov["covered_after"], 1, 0))
    values = dict(zip(cov["code"].tolist(), cls.astype(int).tolist(), strict=True))
    names = [f"à plus de {minutes} min, même après le plan",
             f"à {minutes} min ou moins grâce aux nouveaux sites",
             f"déjà à {minutes} min ou moins d'un site existant (démonstration)"]
    geo = plan.instance.geo
    points = []
    for rec in plan.sites.itertuples():
        newly = f"{int(rec.newly_covered):,}".replace(",", "\u202f")
        p = _point(geo, str(rec.code), f"Site proposé n° {int(rec.rank)} : {rec.name} "
                                       f"(+{newly} habitants à {minutes} min)")
        if p:
            points.append(p)
    return {"paths": f"/api/v1/carte/chemins/commune.json?dep={dep}",
            "unit_label": "communes",
            "indicator": _categories(values, f"Couverture à {minutes} minutes de route, "
                                             "avant et après le plan (communes)", names),
            "points": points, "points_legend": "Site proposé (rang, habitants gagnés)"}


def volunteer_map(plan, threshold: float) -> dict:
    """The volunteer plan on the EPCI map: each priority EPCI of the plan lifted to the
    sous-dense threshold or above (population-weighted APL after the plan), improved
    but still under it, or unchanged; the host communes as markers (days a month)."""
    s = f"{threshold:.1f}".replace(".", ",")
    table = plan.epcis
    before = table["apl_before"].to_numpy(dtype=float)
    after = table["apl_after"].to_numpy(dtype=float)
    cls = np.where((before < threshold) & (after >= threshold), 2,
                   np.where(after > before + 1e-9, 1, 0))
    values = dict(zip(table["epci"].astype(str).tolist(), cls.astype(int).tolist(),
                      strict=True))
    names = ["EPCI prioritaire sans gain", f"APL en hausse, encore sous {s}",
             f"APL relevée à {s} ou plus"]
    geo = load_geography()
    points = []
    if len(plan.assignment):
        days = plan.assignment.groupby(["host", "host_name"])["days"].sum()
        for (code, name), n in days.items():
            p = _point(geo, str(code), f"Commune d'accueil : {name} — {int(n)} journée"
                                       f"{'s' if n > 1 else ''} par mois")
            if p:
                points.append(p)
    label = (f"Plan des volontaires : APL des EPCI prioritaires après le plan "
             f"(seuil sous-dense {s} consultations/an/hab.)")
    return {"paths": "/api/v1/carte/chemins/epci.json", "unit_label": "EPCI",
            "indicator": _categories(values, label, names, "EPCI hors du plan"),
            "points": points,
            "points_legend": "Commune d'accueil des volontaires (journées par mois)"}
