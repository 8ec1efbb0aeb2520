"""Maximal covering location problem (Church & ReVelle 1974): reduce, greedy, exact MILP.

Given demand points with weights ``w_i``, candidate sites ``j`` and coverage sets
``N_i`` (candidates that reach i), choose ``k`` candidates maximising ``Σ w_i y_i`` with
``y_i ≤ Σ_{j ∈ N_i} x_j``, ``Σ x_j = k``, ``x`` binary and ``y ∈ [0, 1]``.

Why it is fast enough for the whole of France (``benchmarks/planning.py``):

1. **Reduction**, exact: demand points with identical coverage sets merge (their weights
   add up); a candidate whose coverage set is contained in another's is dropped (any
   plan using it does at least as well with the other one, or with any unused
   candidate if the other is already chosen); demand points no remaining candidate
   reaches are dropped.  Repeated until nothing changes.
2. A demand point reached by a single candidate needs no row: its weight moves to that
   candidate's objective coefficient (``y_i = x_j`` at the optimum).
3. **Lazy greedy** (CELF, Minoux 1978), improved by 1-swap local search, gives a warm
   start and, from submodularity, an upper bound ``f(S) + Σ top-k marginal gains`` of the
   greedy set (Nemhauser, Wolsey & Fisher 1978) that tells how far the plan can be from
   the optimum when no MILP is run.
4. **HiGHS** solves the reduced MILP with the greedy plan as incumbent, a time limit
   and a relative gap target; the status, the bound and the gap are reported.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.special import expit

from oasis.territory.errors import TerritoryInputError


class MclpError(TerritoryInputError):
    """An MCLP that cannot be solved as asked (negative k…), message in French."""

    code = "invalid_siting_input"


@dataclass
class Reduction:
    """Reduced problem and the maps back to the original indices."""

    cover: sparse.csr_matrix  # merged demand × kept candidates (bool)
    weights: np.ndarray  # merged demand weights
    candidates: np.ndarray  # original candidate index of each kept column
    stats: dict = field(default_factory=dict)


def _merge_rows(cover: sparse.csr_matrix, weights: np.ndarray
                ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Merge rows with identical column sets (and drop empty rows)."""
    cover = cover.tocsr()
    cover.sort_indices()
    ip, ind = cover.indptr, cover.indices
    groups: dict[bytes, int] = {}
    target = np.empty(cover.shape[0], dtype=np.int64)
    for i in range(cover.shape[0]):
        key = ind[ip[i]:ip[i + 1]].tobytes()
        target[i] = groups.setdefault(key, len(groups))
    merged_w = np.bincount(target, weights=weights, minlength=len(groups))
    first = np.full(len(groups), -1, dtype=np.int64)
    first[target[::-1]] = np.arange(cover.shape[0])[::-1]
    out = cover[first]
    keep = (np.diff(out.indptr) > 0) & (merged_w > 0)
    return out[keep], merged_w[keep]


def _dominated(cover: sparse.csr_matrix) -> np.ndarray:
    """Mask of columns whose row set is contained in another column's (ties: keep the
    lowest index); empty columns count as dominated."""
    c = cover.tocsc().astype(np.float64)
    size = np.asarray(c.sum(axis=0)).ravel()
    inter = (c.T @ c).tocoo()
    a, b, v = inter.row, inter.col, inter.data
    sub = (a != b) & (v >= size[a]) & ((size[b] > size[a]) | (b < a))
    mask = np.zeros(cover.shape[1], dtype=bool)
    mask[a[sub]] = True
    mask[size == 0] = True
    return mask


def reduce(cover: sparse.spmatrix, weights: np.ndarray, k: int) -> Reduction:
    """Exact reduction (module docstring, step 1)."""
    t0 = time.perf_counter()
    cover = sparse.csr_matrix(cover, dtype=bool)
    stats = {"demand": int(cover.shape[0]), "candidates": int(cover.shape[1])}
    cand = np.arange(cover.shape[1])
    cur, w = _merge_rows(cover, np.asarray(weights, dtype=np.float64))
    while True:
        drop = _dominated(cur)
        if not drop.any() or (~drop).sum() < k:
            break
        cand = cand[~drop]
        cur = cur[:, np.flatnonzero(~drop)]
        cur, w = _merge_rows(cur, w)
    stats.update(merged_demand=int(cur.shape[0]), kept_candidates=len(cand),
                 seconds=time.perf_counter() - t0)
    return Reduction(cur.tocsr(), w, cand, stats)


def coverage_value(cover: sparse.spmatrix, weights: np.ndarray, chosen) -> float:
    """Weight covered by the chosen columns."""
    chosen = np.asarray(list(chosen), dtype=np.int64)
    if not chosen.size:
        return 0.0
    hit = np.asarray(sparse.csc_matrix(cover)[:, chosen].sum(axis=1)).ravel() > 0
    return float(np.asarray(weights)[hit].sum())


def greedy(cover: sparse.spmatrix, weights: np.ndarray, k: int
           ) -> tuple[list[int], list[float], float]:
    """Lazy greedy: (chosen columns in order, marginal gain of each, upper bound)."""
    csc = sparse.csc_matrix(cover, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    n_rows, n_cols = csc.shape
    covered = np.zeros(n_rows, dtype=bool)

    def gain(j: int) -> float:
        rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
        return float(w[rows[~covered[rows]]].sum())

    heap = [(-gain(j), j, 0) for j in range(n_cols)]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    rnd = 0
    while heap and len(chosen) < k:
        neg, j, stamp = heapq.heappop(heap)
        if stamp == rnd:
            chosen.append(j)
            gains.append(-neg)
            covered[csc.indices[csc.indptr[j]:csc.indptr[j + 1]]] = True
            rnd += 1
        else:
            heapq.heappush(heap, (-gain(j), j, rnd))
    value = float(w[covered].sum())
    # Online bound: f(OPT) ≤ f(S) + Σ of the k largest marginal gains with respect to S.
    taken = set(chosen)
    rest = np.array([gain(j) for j in range(n_cols) if j not in taken] or [0.0])
    bound = value + float(np.sort(rest)[::-1][:k].sum())
    return chosen, gains, bound


def swap_search(cover: sparse.spmatrix, weights: np.ndarray, chosen: list[int],
                max_rounds: int = 200) -> list[int]:
    """Best-improvement 1-swap local search (one chosen site out, one candidate in).

    With ``cnt_i`` the number of chosen sites covering i, removing s loses the weight
    covered only by s, and adding j gains the uncovered weight it reaches plus what it
    reaches among the points only s covered: two sparse products per chosen site.
    """
    csr = sparse.csr_matrix(cover, dtype=np.float64)
    csc = csr.tocsc()
    w = np.asarray(weights, dtype=np.float64)
    chosen = list(chosen)
    if not chosen or len(chosen) >= csr.shape[1]:
        return chosen
    for _ in range(max_rounds):
        x = np.zeros(csr.shape[1])
        x[chosen] = 1.0
        cnt = csr @ x
        free_gain = csc.T @ (w * (cnt == 0))
        free_gain[chosen] = -np.inf
        best = (1e-9, None, None)
        once = w * (cnt == 1)
        for s in chosen:
            rows = csc.indices[csc.indptr[s]:csc.indptr[s + 1]]
            loss = once[rows].sum()
            back = csr[rows].T @ once[rows]  # weight only s covered, reached again by j
            delta = free_gain + back - loss
            j = int(np.argmax(delta))
            if delta[j] > best[0]:
                best = (float(delta[j]), s, j)
        if best[1] is None:
            break
        chosen[chosen.index(best[1])] = best[2]
    return chosen


def lagrangian_value(ct: sparse.csr_matrix, w: np.ndarray, k: int, lam: np.ndarray) -> float:
    """``L(λ) = Σ_i max(0, w_i − λ_i) + Σ top-k (Cᵀλ)_j``, an upper bound on the optimum
    for every ``λ ≥ 0`` (relaxing the coverage rows; its minimum is the LP bound)."""
    c = ct @ lam
    top = np.argpartition(-c, k - 1)[:k]
    return float(np.maximum(0.0, w - lam).sum() + c[top].sum())


def _smoothed_gradient(csr: sparse.csr_matrix, ct: sparse.csr_matrix, w: np.ndarray, k: int,
                       lam: np.ndarray, mu: float) -> np.ndarray:
    """Gradient of the entropy-smoothed ``L`` (Nesterov 2005): the kinks of ``max(0, ·)``
    and of the top-k sum become logistic curves of width ``mu``; the soft top-k
    ``x_j = σ((c_j − τ)/μ)`` with ``Σ x = k`` is found by bisection on ``τ``."""
    c = ct @ lam
    kth = np.partition(c, -k)[-k]
    near = np.abs(c - kth) < 40.0 * mu  # only these are strictly between 0 and 1
    far_in = int(np.count_nonzero(c >= kth + 40.0 * mu))
    cn = c[near]
    lo, hi = kth - 40.0 * mu, kth + 40.0 * mu
    for _ in range(40):
        tau = 0.5 * (lo + hi)
        if far_in + expit((cn - tau) / mu).sum() > k:
            lo = tau
        else:
            hi = tau
    x = (c >= kth + 40.0 * mu).astype(np.float64)
    x[near] = expit((cn - tau) / mu)
    return csr @ x - expit((w - lam) / mu)


def lagrangian_bound(cover: sparse.spmatrix, weights: np.ndarray, k: int, incumbent: float,
                     chosen: list[int], seconds: float = 2.0, target_gap: float = 0.0,
                     start: np.ndarray | None = None,
                     levels: tuple[float, ...] = (1e-3, 3e-4, 1e-4, 3e-5, 1e-5)
                     ) -> tuple[float, np.ndarray]:
    """Upper bound ``min L(λ)`` and its multipliers, by accelerated gradient on a smoothed
    ``L`` with decreasing smoothing (FISTA with restarts, Beck & Teboulle 2009).

    Why not plain subgradient steps: on the national instance they stall 1.4 % above
    the LP bound, this reaches 0.04 % (``benchmarks/planning.py``).  Every iterate is
    a valid bound (``lagrangian_value``); the best one is returned.  Starts from
    ``start`` or from λ = w on the points the incumbent leaves uncovered, 0 elsewhere.
    Stops after ``seconds`` or once the bound proves ``incumbent`` within
    ``target_gap``.  ``levels`` are the smoothing widths, as fractions of the largest
    weight; a warm ``start`` can skip the wide ones.
    """
    csr = sparse.csr_matrix(cover, dtype=np.float64)
    ct = csr.T.tocsr()
    w = np.asarray(weights, dtype=np.float64)
    n = csr.shape[1]
    if k <= 0:
        return 0.0, np.zeros_like(w)
    if k >= n:
        return float(w[np.diff(csr.indptr) > 0].sum()), np.zeros_like(w)
    if start is None:
        x = np.zeros(n)
        x[list(chosen)] = 1.0
        start = np.where(csr @ x == 0, w, 0.0)
    lam = np.clip(start, 0.0, w)
    best, best_lam = lagrangian_value(ct, w, k, lam), lam.copy()
    done = best * (1.0 - target_gap) <= incumbent
    degree = float(np.diff(csr.indptr).max()) * float(np.diff(ct.indptr).max())
    t0 = time.perf_counter()
    for frac in levels:
        if done:
            break
        mu = frac * float(w.max())
        step = SMOOTH_STEP * mu / degree
        y, t_k, previous = lam.copy(), 1.0, np.inf
        for it in range(1, SMOOTH_ITERATIONS + 1):
            new = np.clip(y - step * _smoothed_gradient(csr, ct, w, k, y, mu), 0.0, w)
            t_next = 0.5 * (1.0 + (1.0 + 4.0 * t_k * t_k) ** 0.5)
            y = new + (t_k - 1.0) / t_next * (new - lam)
            lam, t_k = new, t_next
            if it % 25 == 0:
                value = lagrangian_value(ct, w, k, lam)
                if value < best:
                    best, best_lam = value, lam.copy()
                if value > previous:  # adaptive restart (O'Donoghue & Candès 2015)
                    y, t_k = lam.copy(), 1.0
                previous = value
                done = best * (1.0 - target_gap) <= incumbent
                if done or time.perf_counter() - t0 > seconds:
                    done = True
                    break
    return best, best_lam


# Tuned on the national instance (k = 50, 30 min): a step 3,000 times the worst-case
# 1/Lipschitz bound of the smoothed function, 250 iterations per smoothing level (after
# five levels: 0.034 % above the LP bound; 150 iterations per level stall at 0.13 %).
SMOOTH_STEP = 3_000.0
SMOOTH_ITERATIONS = 250
# Above this many coverage pairs after reduction, the full MILP's root LP alone takes
# longer than a planner waits (39 s nationally): bound by the Lagrangian, search by
# MILPs restricted to the best candidates under its multipliers.
LARGE_PAIRS = 200_000


@dataclass
class MclpSolution:
    chosen: np.ndarray  # original candidate indices
    objective: float
    bound: float
    status: str  # "optimal", "gap_target" (within the accepted gap), "time_limit", "greedy"
    seconds: float
    method: str
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative optimality gap (bound − objective) / bound; 0 when proven optimal."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.objective) / self.bound)


def _milp(cover: sparse.csr_matrix, w: np.ndarray, k: int, warm: list[int] | None,
          time_limit: float, mip_gap: float, threads: int | None, fold_singletons: bool = True,
          presolve: bool = False) -> tuple[list[int], float, float, str]:
    """HiGHS on the MCLP model.  Its presolve is off by default: on a reduced instance it
    finds nothing more and costs half the time (BFC k = 20: 1.4 s → 0.8 s with HiGHS 1.16)."""
    import highspy

    cover = sparse.csr_matrix(cover, dtype=bool)
    n_rows, n_cols = cover.shape
    degree = np.diff(cover.indptr)
    single = (degree == 1) if fold_singletons else np.zeros(n_rows, dtype=bool)
    x_cost = np.bincount(cover.indices[cover.indptr[:-1][single]], weights=w[single],
                         minlength=n_cols)
    multi = np.flatnonzero(~single)
    sub = cover[multi].astype(np.float64)
    m = len(multi)
    # Columns: x_0..x_{J-1} (binary), then y_0..y_{m-1} (continuous); rows: one per
    # multi-candidate demand point (y_i − Σ x_j ≤ 0), then Σ x = k.
    a = sparse.vstack([
        sparse.hstack([-sub, sparse.identity(m, format="csr")]),
        sparse.hstack([sparse.csr_matrix(np.ones((1, n_cols))),
                       sparse.csr_matrix((1, m))]),
    ]).tocsc()
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols + m
    lp.num_row_ = m + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate((x_cost, w[multi]))
    lp.col_lower_ = np.zeros(n_cols + m)
    lp.col_upper_ = np.ones(n_cols + m)
    lp.row_lower_ = np.concatenate((np.full(m, -highspy.kHighsInf), [k]))
    lp.row_upper_ = np.concatenate((np.zeros(m), [k]))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.a_matrix_.num_col_ = n_cols + m
    lp.a_matrix_.num_row_ = m + 1
    lp.integrality_ = ([highspy.HighsVarType.kInteger] * n_cols
                       + [highspy.HighsVarType.kContinuous] * m)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if not presolve:
        h.setOptionValue("presolve", "off")
    if threads:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    if warm:
        x = np.zeros(n_cols)
        x[warm] = 1.0
        y = (np.asarray(sub @ x).ravel() > 0).astype(np.float64)
        idx = np.arange(n_cols + m, dtype=np.int32)
        h.setSolution(len(idx), idx, np.concatenate((x, y)))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    values = np.asarray(h.getSolution().col_value)
    chosen = [int(j) for j in np.flatnonzero(values[:n_cols] > 0.5)]
    label = {highspy.HighsModelStatus.kOptimal: "optimal",
             highspy.HighsModelStatus.kTimeLimit: "time_limit"}.get(status, str(status))
    return chosen, float(info.objective_function_value), float(info.mip_dual_bound), label


def solve(cover: sparse.spmatrix, weights: np.ndarray, k: int, *, method: str = "exact",
          time_limit: float = 10.0, mip_gap: float = 1e-6, reduction: bool = True,
          warm_start: bool = True, threads: int | None = None,
          large_pairs: int = LARGE_PAIRS) -> MclpSolution:
    """Best ``k`` columns of ``cover`` (demand × candidates, bool) for ``weights``.

    ``method="exact"``: reduced MILP (HiGHS); ``"greedy"``: lazy greedy with its
    submodular bound.  ``reduction=False, warm_start=False`` gives the plain MILP that
    the benchmark compares against.  Reduced instances with more than ``large_pairs``
    coverage pairs take the Lagrangian + restricted-MILP path (``_restricted_search``).
    """
    if k < 0:
        raise MclpError(f"k doit être positif ou nul (reçu : {k})")
    if method not in ("exact", "greedy"):
        raise MclpError(f"méthode inconnue : {method} (exact, greedy)")
    t0 = time.perf_counter()
    cover = sparse.csr_matrix(cover, dtype=bool)
    weights = np.asarray(weights, dtype=np.float64)
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise MclpError("les poids de la demande doivent être finis et positifs")
    n_cand = cover.shape[1]
    if k == 0 or n_cand == 0:
        return MclpSolution(np.array([], np.int64), 0.0, 0.0, "optimal",
                            time.perf_counter() - t0, method)
    if reduction:
        red = reduce(cover, weights, k)
    else:
        red = Reduction(cover, weights, np.arange(n_cand),
                        {"demand": cover.shape[0], "candidates": n_cand})
    n_red = len(red.candidates)
    if n_red <= k:  # every useful candidate fits: optimal, pad with unused ones
        pick = [int(j) for j in red.candidates]
        taken = set(pick)
        pad = [j for j in range(n_cand) if j not in taken][:k - n_red]
        chosen = np.array(pick + pad, dtype=np.int64)
        value = coverage_value(cover, weights, chosen)
        return MclpSolution(chosen, value, value, "optimal", time.perf_counter() - t0,
                            method, red.stats)
    if not (reduction or warm_start):  # the plain MILP of the benchmark
        m_chosen, _, bound, status = _milp(cover, weights, k, None, time_limit, mip_gap,
                                           threads, fold_singletons=False, presolve=True)
        chosen = np.asarray(m_chosen, dtype=np.int64)
        return MclpSolution(chosen, coverage_value(cover, weights, chosen), bound, status,
                            time.perf_counter() - t0, "plain", red.stats)
    g_chosen, _, g_bound = greedy(red.cover, red.weights, k)
    g_chosen = swap_search(red.cover, red.weights, g_chosen)
    g_value = coverage_value(red.cover, red.weights, g_chosen)
    red.stats["greedy_objective"] = g_value
    red.stats["greedy_bound"] = g_bound
    if method == "greedy" and g_value < g_bound - 1e-9:
        lag, _ = lagrangian_bound(red.cover, red.weights, k, g_value, g_chosen,
                                  seconds=min(1.0, time_limit))
        g_bound = min(g_bound, lag)
    if method == "greedy" or g_value >= g_bound - 1e-9:
        status = "optimal" if g_value >= g_bound - 1e-9 else "greedy"
        chosen = red.candidates[np.asarray(g_chosen, dtype=np.int64)]
        return MclpSolution(chosen, g_value, g_bound, status, time.perf_counter() - t0,
                            method, red.stats)
    if red.cover.nnz > large_pairs and warm_start:
        m_chosen, bound, status = _restricted_search(
            red, k, g_chosen, g_value, g_bound, t0 + time_limit, mip_gap, threads)
        chosen = red.candidates[np.asarray(m_chosen, dtype=np.int64)]
        objective = coverage_value(cover, weights, chosen)
        return MclpSolution(chosen, objective, max(objective, bound), status,
                            time.perf_counter() - t0, "lagrangian+restricted MILP", red.stats)
    # keep ~15 % of the budget for a Lagrangian bound should HiGHS not finish
    remaining = max(0.1, 0.85 * time_limit - (time.perf_counter() - t0))
    if remaining >= 1.0:
        m_chosen, _, bound, status = _milp(red.cover, red.weights, k,
                                           g_chosen if warm_start else None, remaining,
                                           mip_gap, threads, fold_singletons=reduction,
                                           presolve=not reduction)
    else:  # HiGHS's presolve does not watch the clock: no MILP on a nearly spent budget
        m_chosen, bound, status = g_chosen, g_bound, "time_limit"
    if len(m_chosen) != k or coverage_value(red.cover, red.weights, m_chosen) < g_value:
        m_chosen = g_chosen  # never worse than the warm start
    chosen = red.candidates[np.asarray(m_chosen, dtype=np.int64)]
    objective = coverage_value(cover, weights, chosen)
    bound = max(objective, min(bound, g_bound))
    if status != "optimal" and np.isfinite(bound):
        lag, _ = lagrangian_bound(red.cover, red.weights, k, objective, m_chosen,
                                  seconds=max(0.5, 0.15 * time_limit), target_gap=mip_gap)
        bound = max(objective, min(bound, lag))
    if status == "optimal":
        bound = max(objective, min(bound, objective * (1 + mip_gap)))
    status = _status(objective, bound, mip_gap)  # the Lagrangian bound may prove it too
    return MclpSolution(chosen, objective, bound, status, time.perf_counter() - t0, method,
                        red.stats)


PROVEN = 1e-6  # relative gap below which a plan is reported as optimal


def _status(value: float, bound: float, mip_gap: float) -> str:
    """``optimal`` when proven (to ``PROVEN``), ``gap_target`` when within the gap the
    caller accepted, ``time_limit`` otherwise."""
    gap = 0.0 if bound <= 0 else (bound - value) / bound
    if gap <= PROVEN:
        return "optimal"
    return "gap_target" if gap <= mip_gap else "time_limit"


def _restricted_search(red: Reduction, k: int, incumbent: list[int], value: float,
                       bound: float, deadline: float, mip_gap: float, threads: int | None
                       ) -> tuple[list[int], float, str]:
    """Large instances: Lagrangian bound, then exact MILPs on growing candidate subsets.

    The multipliers ``λ`` price every candidate (``(Cᵀλ)_j``, its Lagrangian worth);
    the optimum of the LP uses few of them (117 of 9,242 nationally), so the MILP
    restricted to the incumbent plus the best-priced candidates is small, solves in
    well under a second and finds plans the greedy misses.  Each restricted optimum is
    a feasible plan; the proof of quality is the Lagrangian bound, so the gap reported
    is honest whatever subset was searched.  Subsets double while time remains and the
    gap is above ``mip_gap``.
    """
    cover, w = red.cover, red.weights
    ct = sparse.csr_matrix(cover, dtype=np.float64).T.tocsr()
    csc = sparse.csc_matrix(cover, dtype=bool)
    stats = red.stats
    t_dual = time.perf_counter()
    lag, lam = lagrangian_bound(cover, w, k, value, incumbent, target_gap=mip_gap,
                                seconds=0.5 * (deadline - t_dual))
    bound = min(bound, lag)
    stats["dual_seconds"] = time.perf_counter() - t_dual
    size, searched = max(3 * k, 100), []
    while (bound - value) > mip_gap * bound and deadline - time.perf_counter() > 0.5:
        order = np.argsort(-(ct @ lam), kind="stable")
        cols = np.union1d(np.asarray(incumbent, dtype=np.int64), order[:size])
        t_milp = time.perf_counter()
        plan, plan_value, proven = _subset_milp(csc, w, k, cols, incumbent, deadline, mip_gap,
                                                threads)
        searched.append((len(cols), round(time.perf_counter() - t_milp, 3)))
        if plan_value > value:
            incumbent = swap_search(cover, w, plan, max_rounds=20)
            value = coverage_value(cover, w, incumbent)
        if proven and len(cols) == csc.shape[1]:  # the subset was the whole problem
            bound = min(bound, value * (1 + mip_gap))
        if (bound - value) <= mip_gap * bound or size >= csc.shape[1]:
            break
        # a better incumbent tightens the stopping test: refine the bound first
        t_dual = time.perf_counter()
        lag, lam = lagrangian_bound(cover, w, k, value, incumbent, target_gap=mip_gap,
                                    start=lam, levels=(1e-4, 3e-5, 1e-5),
                                    seconds=0.5 * (deadline - t_dual))
        bound = min(bound, lag)
        stats["dual_seconds"] += time.perf_counter() - t_dual
        size *= 2
    stats["restricted_milps"] = searched
    status = _status(value, bound, mip_gap)
    return incumbent, max(value, bound), status


def _subset_milp(csc: sparse.csc_matrix, w: np.ndarray, k: int, cols: np.ndarray,
                 incumbent: list[int], deadline: float, mip_gap: float,
                 threads: int | None) -> tuple[list[int], float, bool]:
    """Exact MCLP on the columns ``cols`` (sorted), warm-started from the incumbent when
    it lies inside; returns the plan in full column indices, its value (−1 if the MILP
    stopped without a complete plan) and whether HiGHS proved it optimal on the subset."""
    sub = csc[:, cols].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    local = reduce(sub[rows], w[rows], k)
    position = {int(c): i for i, c in enumerate(local.candidates)}
    inside = [int(np.searchsorted(cols, j)) for j in incumbent]
    warm = [position[i] for i in inside if i in position]
    found, _, _, status = _milp(local.cover, local.weights, k,
                                warm if len(warm) == k else None,
                                max(0.5, deadline - time.perf_counter()), mip_gap, threads)
    plan = [int(j) for j in cols[local.candidates[np.asarray(found, dtype=np.int64)]]]
    if len(plan) != k:
        return plan, -1.0, False
    return plan, coverage_value(csc, w, plan), status == "optimal"
