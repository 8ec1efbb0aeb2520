"""Benchmark: the coordinators' mission pages on the demo data, first request and warm.

Run: ``.venv/bin/python benchmarks/mission_pages.py [--repeat N]``

Builds a temporary SQLite database with ``oasis db upgrade`` and ``oasis demo load``,
signs in as the demo coordinator and prints, for ``/coordination/missions`` and the
volunteer plan of ``/coordination/volontaires`` (a department, a region, the platform's
doctors), the first response time in this process (the demo APL is computed on the
first plan: a server's start-up warm-up does it ahead) and the median once warm.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import print_page_timings
from fastapi.testclient import TestClient

from oasis.config import Settings
from oasis.web.app import create_app

URLS = (
    "/coordination/missions",
    "/coordination/volontaires",
    "/coordination/volontaires?territoire=dep-58&budget=20000&minutes=90",
    "/coordination/volontaires?territoire=reg-27&budget=20000&minutes=90",
    "/coordination/volontaires?territoire=dep-58&budget=20000&minutes=90&medecins=plateforme",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure (median)")
    args = parser.parse_args()
    oasis = str(Path(sys.executable).with_name("oasis"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        for step in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run([oasis, *step, "--db", url], check=True, capture_output=True)
        client = TestClient(create_app(Settings(database_url=url, secret_key="bench")))
        signed = client.post("/api/v1/auth/login", data={
            "email": "coordination@demo.oasis.fr", "password": "oasis-demo"})
        assert signed.status_code == 200, signed.text
        print_page_timings(client, URLS, args.repeat, width=90)


if __name__ == "__main__":
    main()
