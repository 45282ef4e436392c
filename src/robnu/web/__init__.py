"""Robnu's dashboard: server-rendered pages (Jinja2 + htmx) in the same FastAPI process as the API, reading
through the same services and permission checks. Every asset ships inside the package (no CDN)."""
