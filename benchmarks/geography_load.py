"""Benchmark: loading the shipped geography, against parsing the source JSON.

Run: ``.venv/bin/python benchmarks/geography_load.py [--repeat N]``

Prints the cold-process import cost, the load time of ``communes.parquet`` (attributes
only, as every command uses it), the boundaries column, and the same information parsed
from the npm package's ``communes.json`` as the in-process reference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from _timing import timed

from oasis.config import get_settings
from oasis.datasets.fetch import DECOUPAGE
from oasis.territory.geography import read_boundaries, read_geography


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure (median)")
    args = parser.parse_args()
    settings = get_settings()
    path = settings.geography_file

    cold = subprocess.run(
        [sys.executable, "-c",
         "import time; t=time.perf_counter(); from oasis.territory.geography import "
         "load_geography; import pyarrow.parquet; from oasis.config import get_settings; "
         "get_settings(); m=time.perf_counter(); g=load_geography(); "
         "print(m-t, time.perf_counter()-m)"],
        capture_output=True, text=True, check=True)
    t_import, t_cold = (float(x) for x in cold.stdout.split())
    t_attr, geo = timed(lambda: read_geography(path), args.repeat)
    t_bound, _ = timed(lambda: read_boundaries(path), args.repeat)

    tgz = DECOUPAGE.path(settings.cache_dir)
    t_ref = None
    if tgz.exists():
        def parse_json():
            with tarfile.open(tgz) as tar:
                return json.load(tar.extractfile("package/data/communes.json"))
        t_ref, _ = timed(parse_json, max(1, args.repeat // 2))

    size = Path(path).stat().st_size
    print(f"file                     {path} ({size / 1e6:.2f} MB)")
    print(f"rows                     {len(geo)}")
    print(f"cold process: imports     {t_import * 1000:8.1f} ms")
    print(f"cold process: load        {t_cold * 1000:8.1f} ms   (target < 300 ms)")
    print(f"attributes load (warm)    {t_attr * 1000:8.1f} ms")
    print(f"boundaries column         {t_bound * 1000:8.1f} ms")
    if t_ref is not None:
        print(f"reference: communes.json  {t_ref * 1000:8.1f} ms   "
              f"(attributes load is {t_ref / t_attr:.1f}x faster)")


if __name__ == "__main__":
    main()
