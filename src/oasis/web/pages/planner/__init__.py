"""The planners' pages: dashboard, priority EPCIs, coverage, the map."""
