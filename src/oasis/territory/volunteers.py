"""« Un médecin près de chez vous »: where volunteer doctors should give their days.

Each volunteer gives at most ``terms.day_cap`` days a month, paid ``terms.daily_rate_cents``
a day (the programme's dated rules live in ``oasis.care.programmes.missions``, which
hands them over as :class:`MissionTerms`: 2 days and 200 € from 2025-09-01), in a host
commune of a priority EPCI no more than ``max_minutes`` (90) from home.  A monthly day at host ``j``
adds ``a = 12 × consultations_per_day`` C+V a year to the supply there; by the APL
what-if (``AplResult.gain_matrix``) it raises the APL of every unit i by ``a · G[i, j]``
exactly, with no recompute.

Objective: the APL gained by people under the sous-dense threshold ``s``, counted only
up to the threshold (beyond it a resident is no longer under-served)::

    max Σ_i P_i · z_i   with   z_i ≤ Σ_j a · G[i, j] · D_j,   0 ≤ z_i ≤ max(0, s − APL_i)

``D_j`` (integer) days at host j, split among doctors by a transportation constraint
(each doctor ≤ their max days, only to hosts within reach) and ``Σ D_j ≤ budget / rate``.
For integer ``D`` the split is integral (bipartite flow), so only ``D`` needs to be
integer; the final assignment is an integral max-flow.  A greedy gives the incumbent,
HiGHS the optimum or a bound.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from oasis.territory.errors import TerritoryInputError
from oasis.territory.supply import _UnitResolver
from oasis.territory.travel import TravelModel, travel_times

DEFAULT_MAX_MINUTES = 90.0
WORKING_DAYS_PER_YEAR = 220  # Oasis assumption: GP working days a year


@dataclass(frozen=True)
class MissionTerms:
    """The programme's rules the optimiser needs, as of the planned month."""

    day_cap: int  # days a month at most per volunteer
    daily_rate_cents: int  # paid per day given
MONTHS = 12


class VolunteerInputError(TerritoryInputError):
    """Bad volunteer plan input (file, budget, EPCIs), message in French."""

    code = "invalid_volunteer_input"


@dataclass
class Doctors:
    id: np.ndarray
    unit: np.ndarray  # analysis-unit position of the home commune
    max_days: np.ndarray  # int, 0..2 per month
    synthetic: bool = False

    def __len__(self) -> int:
        return len(self.id)


def read_doctors(path: Path, geo, day_cap: int) -> Doctors:
    """CSV ``id,commune,max_days`` (home commune; max days a month, 0 to 2)."""
    path = Path(path)
    if not path.exists():
        raise VolunteerInputError(f"{path} : fichier introuvable")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not any(line.strip() for line in lines):
        raise VolunteerInputError(f"{path.name} : fichier vide (en-tête attendu : "
                                  "id,commune,max_days)")
    reader = csv.reader(lines, delimiter=";" if lines[0].count(";") > lines[0].count(",")
                        else ",")
    header = [h.strip().lower() for h in next(reader)]
    aliases = {"id": ("id", "rpps"), "commune": ("commune", "home_commune", "home"),
               "max_days": ("max_days", "jours")}
    col = {}
    for key, names in aliases.items():
        found = [header.index(n) for n in names if n in header]
        if not found:
            raise VolunteerInputError(f"{path.name} : colonne « {key} » manquante (en-tête "
                                      "attendu : id,commune,max_days)")
        col[key] = found[0]
    resolve = _UnitResolver(geo)
    ids, units, days, errors, seen = [], [], [], [], {}
    for line, raw in enumerate(reader, start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) <= max(col.values()):
            errors.append(f"ligne {line} : {len(raw)} champs au lieu de {len(header)}")
            continue
        did, code, md = (raw[col[k]].strip() for k in ("id", "commune", "max_days"))
        problems = []
        if not did:
            problems.append("identifiant vide")
        elif did in seen:
            problems.append(f"identifiant « {did} » déjà utilisé ligne {seen[did]}")
        pos, why = resolve(code) if code else (None, "commune vide")
        if pos is None:
            problems.append(why)
        try:
            n = int(md)
        except ValueError:
            n = -1
            problems.append(f"max_days « {md} » n'est pas un entier")
        else:
            if not 0 <= n <= day_cap:
                problems.append(f"max_days = {n} : entre 0 et {day_cap} jours par "
                                "mois (règle du dispositif)")
        if problems:
            errors.append(f"ligne {line} : " + " ; ".join(problems))
            continue
        seen[did] = line
        ids.append(did)
        units.append(pos)
        days.append(n)
    if errors:
        shown = "\n".join(errors[:30])
        more = f"\n… et {len(errors) - 30} autres" if len(errors) > 30 else ""
        raise VolunteerInputError(f"{path.name} : {len(errors)} ligne(s) invalide(s)\n"
                                  f"{shown}{more}")
    if not ids:
        raise VolunteerInputError(f"{path.name} : aucun médecin (le fichier n'a que l'en-tête)")
    return Doctors(np.array(ids, dtype=object), np.array(units, dtype=np.int64),
                   np.array(days, dtype=np.int64))


def synthetic_doctors(apl, n: int = 500, seed: int = 0) -> Doctors:
    """SYNTHETIC volunteers: homes drawn where the APL's supply practises (∝ supply),
    1 or 2 days a month (70 % give 2).  Demo and benchmark only."""
    rng = np.random.default_rng(seed)
    p = apl.unit_supply / apl.unit_supply.sum()
    units = rng.choice(len(p), size=n, p=p)
    days = np.where(rng.random(n) < 0.7, 2, 1)
    ids = np.array([f"VOL-{k + 1:04d}" for k in range(n)], dtype=object)
    return Doctors(ids, units.astype(np.int64), days.astype(np.int64), True)


def write_doctors_csv(doctors: Doctors, geo, path: Path) -> None:
    rows = np.flatnonzero(geo.analysis_units)
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "commune", "max_days"])
        for i, u, d in zip(doctors.id, doctors.unit, doctors.max_days, strict=True):
            w.writerow([i, geo.code[rows[u]], int(d)])


def parse_budget_cents(text: str | float | None) -> int | None:
    """Euros (« 12000 », « 12 000,50 ») to integer cents; None: no budget."""
    if text is None:
        return None
    from decimal import Decimal, InvalidOperation

    raw = str(text).replace(" ", "").replace("\u202f", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise VolunteerInputError(f"budget illisible : « {text} » (euros, ex. 20000)") from None
    if not value.is_finite() or value < 0:
        raise VolunteerInputError(f"le budget doit être positif (reçu : {text})")
    return int((value * 100).to_integral_value())


@dataclass
class VolunteerPlan:
    assignment: pd.DataFrame  # doctor, home, host, epci, days, minutes, cost_cents
    epcis: pd.DataFrame  # APL before/after per priority EPCI
    days: int
    cost_cents: int
    rate_cents: int
    budget_cents: int | None
    objective: float  # Σ P_i z_i (C+V a year reaching under-served residents)
    bound: float
    status: str
    seconds: float
    population_lifted: int  # moved from under s to at least s
    apl_after: np.ndarray
    doctors_without_host: int
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.objective) / self.bound)

    def summary(self) -> dict:
        return {"days": self.days, "cost_cents": self.cost_cents,
                "rate_cents": self.rate_cents, "budget_cents": self.budget_cents,
                "objective": self.objective, "bound": self.bound, "gap": self.gap,
                "status": self.status, "seconds": self.seconds,
                "population_lifted": self.population_lifted,
                "doctors": int(self.assignment["doctor"].nunique()) if len(self.assignment)
                else 0, "doctors_without_host": self.doctors_without_host}


def default_hosts(geo, units: np.ndarray, epcis: list[str], min_population: int = 1_000
                  ) -> np.ndarray:
    """Host communes: in each priority EPCI, those of ≥ ``min_population`` inhabitants
    and always the most populated one (unit positions)."""
    epci = pd.Series(geo.epci[units]).fillna("").to_numpy()
    pop = geo.population[units]
    hosts = []
    for e in epcis:
        members = np.flatnonzero(epci == e)
        if not members.size:
            continue
        big = members[pop[members] >= min_population]
        hosts.extend(big.tolist() or [int(members[np.argmax(pop[members])])])
    return np.unique(np.array(hosts, dtype=np.int64))


def _assign(days_at: np.ndarray, reach: sparse.csr_matrix, max_days: np.ndarray,
            day_cap: int) -> sparse.csr_matrix:
    """Integral doctor × host days realising ``days_at`` (max-flow); raises if impossible."""
    from scipy.sparse.csgraph import maximum_flow

    n_doc, n_host = reach.shape
    src, sink = 0, 1 + n_doc + n_host
    coo = reach.tocoo()
    rows = np.concatenate((np.zeros(n_doc, np.int64), 1 + coo.row,
                           1 + n_doc + np.arange(n_host)))
    cols = np.concatenate((1 + np.arange(n_doc), 1 + n_doc + coo.col,
                           np.full(n_host, sink)))
    caps = np.concatenate((max_days, np.full(coo.nnz, day_cap),
                           days_at)).astype(np.int32)
    size = sink + 1
    graph = sparse.csr_matrix((caps, (rows, cols)), shape=(size, size))
    flow = maximum_flow(graph, src, sink)
    if flow.flow_value != int(days_at.sum()):
        raise RuntimeError("affectation impossible des jours aux médecins")
    f = flow.flow.tocsr()[1:1 + n_doc, 1 + n_doc:sink]
    f.data = np.maximum(f.data, 0)
    f.eliminate_zeros()
    return f.tocsr()


def plan_volunteers(apl, doctors: Doctors, epcis: list[str], terms: MissionTerms, *,
                    budget_cents: int | None = None,
                    max_minutes: float = DEFAULT_MAX_MINUTES,
                    hosts: np.ndarray | None = None,
                    consultations_per_day: float | None = None, time_limit: float = 10.0,
                    model: TravelModel | None = None) -> VolunteerPlan:
    """Best deployment of the volunteers' days (module docstring)."""
    t0 = time.perf_counter()
    if not len(doctors):
        raise VolunteerInputError("aucun médecin volontaire")
    if not epcis:
        raise VolunteerInputError("aucun EPCI prioritaire")
    if not (np.isfinite(max_minutes) and max_minutes > 0):
        raise VolunteerInputError(f"temps de trajet maximal invalide : {max_minutes}")
    if budget_cents is not None and budget_cents < 0:
        raise VolunteerInputError("le budget doit être positif")
    if (doctors.max_days > terms.day_cap).any() or (doctors.max_days < 0).any():
        raise VolunteerInputError(f"au plus {terms.day_cap} jours par médecin et par mois")
    geo = apl.geo
    rows = apl.units
    known = set(pd.Series(geo.epci[rows]).dropna().astype(str))
    unknown = [e for e in epcis if e not in known]
    if unknown:
        raise VolunteerInputError(f"EPCI inconnu(s) : {', '.join(unknown[:10])}")
    rate = terms.daily_rate_cents
    cpd = (apl.profession.mean_activity / WORKING_DAYS_PER_YEAR
           if consultations_per_day is None else float(consultations_per_day))
    per_day = MONTHS * cpd
    hosts = default_hosts(geo, rows, epcis) if hosts is None else np.unique(hosts)
    if not hosts.size:
        raise VolunteerInputError("aucune commune d'accueil dans les EPCI prioritaires")
    # Reach: doctor home → host within max_minutes (model time, commune points).
    tt = travel_times(geo.lat[rows[doctors.unit]], geo.lon[rows[doctors.unit]], max_minutes,
                      dest_lat=geo.lat[rows[hosts]], dest_lon=geo.lon[rows[hosts]],
                      model=model)
    ok = doctors.max_days[tt.origin] > 0
    reach = sparse.csr_matrix((np.ones(ok.sum(), dtype=np.int8),
                               (tt.origin[ok], tt.dest[ok])),
                              shape=(len(doctors), len(hosts)))
    minutes_of = sparse.csr_matrix((tt.minutes[ok] + 1e-9, (tt.origin[ok], tt.dest[ok])),
                                   shape=reach.shape)
    supply_cap = np.asarray(reach.T @ doctors.max_days).ravel()  # days reachable per host
    max_days = int(doctors.max_days[np.asarray(reach.sum(axis=1)).ravel() > 0].sum())
    if budget_cents is not None:
        max_days = min(max_days, budget_cents // rate)
    # Gains: G[:, hosts] restricted to units under the threshold.
    low = apl.thresholds[0]
    gap = np.maximum(0.0, low - apl.apl)
    under = np.flatnonzero(gap > 0)
    g = (apl.gain_matrix[:, hosts][under] * per_day).tocsr()  # units × hosts, ΔAPL per day
    reached = np.diff(g.indptr) > 0
    under, g = under[reached], g[reached]
    pop = apl.population[under].astype(np.float64)
    gap_u = gap[under]
    days_at, obj_g = _greedy(g, pop, gap_u, reach, doctors.max_days, supply_cap, max_days)
    # Tie-break among equally good plans: less driving (worth far less than one C+V).
    travel_cost = 1e-6 * minutes_of.tocoo().data
    days_at, objective, bound, status = _milp(g, pop, gap_u, reach, doctors.max_days, max_days,
                                              days_at, obj_g, time_limit, travel_cost,
                                              terms.day_cap)
    flow = _assign(days_at, reach, doctors.max_days, terms.day_cap)
    # APL after, by the what-if (one sparse column per host used).
    scen = apl.scenario()
    for j in np.flatnonzero(days_at):
        scen.add(int(hosts[j]), float(days_at[j] * per_day))
    after = scen.apl.copy()
    lifted = int(apl.population[(apl.apl < low) & (after >= low)].sum())
    coo = flow.tocoo()
    minutes = (np.asarray(minutes_of[coo.row, coo.col]).ravel() - 1e-9 if coo.nnz
               else np.zeros(0))
    h_rows = rows[hosts[coo.col]]
    assignment = pd.DataFrame({
        "doctor": doctors.id[coo.row].astype(str),
        "home": geo.code[rows[doctors.unit[coo.row]]].astype(str),
        "host": geo.code[h_rows].astype(str), "host_name": geo.name[h_rows].astype(str),
        "epci": pd.Series(geo.epci[h_rows]).fillna("").astype(str).to_numpy(),
        "days": coo.data.astype(np.int64), "minutes": np.round(minutes, 1),
        "cost_cents": coo.data.astype(np.int64) * rate,
    }).sort_values(["epci", "host", "doctor"]).reset_index(drop=True)
    epci_table = _epci_table(apl, after, epcis)
    n_days = int(days_at.sum())
    notes = [f"{fmt_cpd(cpd)} consultations par jour de mission (hypothèse Oasis : activité "
             f"moyenne / {WORKING_DAYS_PER_YEAR} jours ouvrés), soit {per_day:.0f} C+V par an "
             "pour un jour par mois"]
    if doctors.synthetic:
        notes.append("médecins volontaires SYNTHÉTIQUES (démonstration)")
    return VolunteerPlan(assignment, epci_table, n_days, n_days * rate, rate, budget_cents,
                         objective, bound, status, time.perf_counter() - t0, lifted, after,
                         int((np.asarray(reach.sum(axis=1)).ravel() == 0).sum()), notes)


def fmt_cpd(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _value(g, pop, gap, days_at) -> float:
    return float(pop @ np.minimum(gap, g @ days_at))


def _greedy(g, pop, gap, reach, max_days, supply_cap, limit):
    """Add one day at a time where it gains most and a doctor can still go."""
    n_host = g.shape[1]
    days_at = np.zeros(n_host, dtype=np.int64)
    remaining = max_days.astype(np.int64).copy()
    reach_csc = reach.tocsc()
    gcsc = g.tocsc()
    delta = np.zeros(g.shape[0])
    total = 0.0

    def gain(j: int) -> float:
        lo, hi = gcsc.indptr[j], gcsc.indptr[j + 1]
        idx, val = gcsc.indices[lo:hi], gcsc.data[lo:hi]
        before = np.minimum(gap[idx], delta[idx])
        return float(pop[idx] @ (np.minimum(gap[idx], delta[idx] + val) - before))

    import heapq

    heap = [(-gain(j), j, 0) for j in range(n_host) if supply_cap[j] > 0]
    heapq.heapify(heap)
    step = 0
    while heap and days_at.sum() < limit:
        neg, j, stamp = heapq.heappop(heap)
        if -neg <= 1e-12:
            break
        if stamp != step:
            heapq.heappush(heap, (-gain(j), j, step))
            continue
        docs = reach_csc.indices[reach_csc.indptr[j]:reach_csc.indptr[j + 1]]
        free = docs[remaining[docs] > 0]
        if not free.size:
            continue  # nobody left who can reach j: drop it
        # the free doctor with the fewest other reachable hosts keeps options open
        d = free[np.argmin(np.diff(reach.indptr)[free])]
        remaining[d] -= 1
        days_at[j] += 1
        lo, hi = gcsc.indptr[j], gcsc.indptr[j + 1]
        delta[gcsc.indices[lo:hi]] += gcsc.data[lo:hi]
        total += -neg
        step += 1
        heapq.heappush(heap, (-gain(j), j, step))
    return days_at, _value(g, pop, gap, days_at)


def _milp(g, pop, gap, reach, max_days, limit, warm, warm_value, time_limit, travel_cost,
          day_cap):
    """Exact plan: D (integer, hosts), x (doctor-host), z (units) — module docstring."""
    import highspy

    n_u, n_h = g.shape
    coo = reach.tocoo()
    n_x = coo.nnz
    if n_x == 0 or limit <= 0:
        return np.zeros(n_h, dtype=np.int64), 0.0, 0.0, "optimal"
    n_d = reach.shape[0]
    # columns: D (n_h) | x (n_x) | z (n_u)
    n_col = n_h + n_x + n_u
    eye_h = sparse.identity(n_h, format="csr")
    x_to_host = sparse.csr_matrix((np.ones(n_x), (coo.col, np.arange(n_x))), shape=(n_h, n_x))
    x_to_doc = sparse.csr_matrix((np.ones(n_x), (coo.row, np.arange(n_x))), shape=(n_d, n_x))
    blocks = sparse.vstack([
        sparse.hstack([eye_h, -x_to_host, sparse.csr_matrix((n_h, n_u))]),  # D − Σx = 0
        sparse.hstack([sparse.csr_matrix((n_d, n_h)), x_to_doc,
                       sparse.csr_matrix((n_d, n_u))]),  # Σ_j x ≤ max_d
        sparse.hstack([-g, sparse.csr_matrix((n_u, n_x)),
                       sparse.identity(n_u, format="csr")]),  # z − gD ≤ 0
        sparse.hstack([sparse.csr_matrix(np.ones((1, n_h))),
                       sparse.csr_matrix((1, n_x + n_u))]),  # Σ D ≤ limit
    ]).tocsc()
    blocks.sort_indices()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_h + n_d + n_u + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate((np.zeros(n_h), -travel_cost, pop))
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.concatenate((np.full(n_h, float(limit)),
                                    np.full(n_x, float(day_cap)), gap))
    lp.row_lower_ = np.concatenate((np.zeros(n_h), np.full(n_d + n_u + 1, -inf)))
    lp.row_upper_ = np.concatenate((np.zeros(n_h), max_days.astype(float), np.zeros(n_u),
                                    [float(limit)]))
    a = lp.a_matrix_
    a.format_ = highspy.MatrixFormat.kColwise
    a.start_, a.index_ = blocks.indptr.astype(np.int32), blocks.indices.astype(np.int32)
    a.value_ = blocks.data.astype(np.float64)
    a.num_col_, a.num_row_ = n_col, lp.num_row_
    lp.integrality_ = ([highspy.HighsVarType.kInteger] * n_h
                       + [highspy.HighsVarType.kContinuous] * (n_x + n_u))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.passModel(lp)
    try:
        flow = _assign(warm, reach, max_days, day_cap).tocoo()
        xw = np.zeros(n_x)
        where = {(r, c): k for k, (r, c) in enumerate(zip(coo.row, coo.col, strict=True))}
        for r, c, v in zip(flow.row, flow.col, flow.data, strict=True):
            xw[where[(r, c)]] = v
        zw = np.minimum(gap, g @ warm)
        vals = np.concatenate((warm.astype(float), xw, zw))
        h.setSolution(n_col, np.arange(n_col, dtype=np.int32), vals)
    except RuntimeError:
        pass
    h.run()
    status = h.getModelStatus()
    label = {highspy.HighsModelStatus.kOptimal: "optimal",
             highspy.HighsModelStatus.kTimeLimit: "time_limit"}.get(status, str(status))
    values = np.asarray(h.getSolution().col_value)
    bound = float(h.getInfo().mip_dual_bound)
    if values.size == n_col:
        d = np.rint(values[:n_h]).astype(np.int64)
        d = np.maximum(d, 0)
        if d.sum() <= limit:
            try:
                _assign(d, reach, max_days, day_cap)
                v = _value(g, pop, gap, d)
                if v >= warm_value - 1e-9:
                    warm, warm_value = d, v
            except RuntimeError:
                pass
    if not math.isfinite(bound) or bound < warm_value:
        bound = warm_value if label == "optimal" else max(bound, warm_value)
    return warm, warm_value, bound, label


def _epci_table(apl, after: np.ndarray, epcis: list[str]) -> pd.DataFrame:
    geo, rows = apl.geo, apl.units
    epci = pd.Series(geo.epci[rows]).fillna("").to_numpy()
    low = apl.thresholds[0]
    pop = apl.population.astype(np.float64)
    out = []
    for e in epcis:
        m = epci == e
        p = pop[m]
        tot = p.sum()
        out.append({
            "epci": e, "name": str(geo.epci_name[rows][m][0]) if m.any() else "",
            "population": int(tot),
            "apl_before": float(apl.apl[m] @ p / tot) if tot else 0.0,
            "apl_after": float(after[m] @ p / tot) if tot else 0.0,
            "pop_under_before": int(p[apl.apl[m] < low].sum()),
            "pop_under_after": int(p[after[m] < low].sum()),
        })
    return pd.DataFrame(out)
