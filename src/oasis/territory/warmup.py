"""Compute the demo territory ahead of the first planner's request.

The demo APL, its aggregates per level, the coverage and the dissolved boundaries take
about 2 s (about 15 s when the boundaries were never dissolved); a server runs this in
the background at start so the first page answers as fast as the next ones.
"""

from __future__ import annotations

from oasis.territory import indicators
from oasis.territory.demo import demo_coverage
from oasis.territory.maps import indicator_json_gzip, path_layer_gzip, territories


def warm_up(geography_file: str | None = None) -> None:
    indicators.priority_epci()
    demo_coverage()
    for level in indicators.LEVELS:
        indicators.aggregate(level)
    territories()
    if geography_file is not None:  # the national commune map, the heaviest layer
        path_layer_gzip(geography_file, "commune", None)
    indicator_json_gzip("apl", "commune")  # the map's default values
