"""The only package that imports FastAPI: the REST API, the pages and the websockets."""
