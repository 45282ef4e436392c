"""The HTTP API /v1 (FastAPI): ``create_app(runtime)``. See docs/api.md."""
