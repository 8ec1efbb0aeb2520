"""JSON routes of the REST API under ``/api/v1``: one module per domain, one ``router`` each."""
