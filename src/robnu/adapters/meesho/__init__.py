"""Meesho supplier adapter (the API is modelled: docs/adapters/meesho.md)."""
