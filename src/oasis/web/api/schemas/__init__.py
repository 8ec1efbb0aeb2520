"""Response and request models of the JSON API, one module per domain."""
