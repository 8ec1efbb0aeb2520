"""Benchmark: the planners' pages, cold and warm, and the dissolved boundaries cache.

Run: ``.venv/bin/python benchmarks/planner_pages.py [--repeat N]``

Prints the time to dissolve EPCI/department/region boundaries from the communes (the
reference) against reading them back from ``territoires.parquet`` (what a server does),
the cold computation behind the dashboard (demo APL + aggregates + priority ranking), and
the median response time and size of each planner page and layer once warm.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _timing import print_page_timings, timed
from fastapi.testclient import TestClient

from oasis.config import Settings
from oasis.territory import indicators as territory_data
from oasis.territory.dissolve import dissolve, read_territories, write_territories
from oasis.territory.geography import load_geography
from oasis.web.app import create_app

URLS = (
    "/planification",
    "/planification/epci-prioritaires",
    "/planification/epci-prioritaires.csv",
    "/carte?niveau=epci",
    "/api/v1/carte/territoires/epci.geojson",
    "/api/v1/carte/territoires/departement.geojson",
    "/api/v1/carte/territoires/epci.geojson?dep=58",
    "/api/v1/carte/indicateurs/classe?niveau=epci",
    "/api/v1/carte/indicateurs/apl?niveau=commune",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure (median)")
    args = parser.parse_args()
    geo = load_geography()

    t_dissolve, built = timed(lambda: dissolve(geo), 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "territoires.parquet"
        write_territories(built, geo.source, path)
        t_read, _ = timed(lambda: read_territories(path, geo.source), args.repeat)
    print(f"boundaries: dissolve {t_dissolve:.2f} s (reference), read cache "
          f"{t_read * 1000:.0f} ms  -> {t_dissolve / t_read:.0f}x faster")

    start = time.perf_counter()
    territory_data.priority_epci()
    for level in territory_data.LEVELS:
        territory_data.aggregate(level)
    t_cold = time.perf_counter() - start
    print(f"dashboard data, cold (demo APL + aggregates + ranking): {t_cold:.2f} s")

    client = TestClient(create_app(Settings(secret_key="bench-only-secret")))
    print_page_timings(client, URLS, args.repeat)

if __name__ == "__main__":
    main()
