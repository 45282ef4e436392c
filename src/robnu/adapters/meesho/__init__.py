"""Meesho supplier adapter (the API is modelled: reference/meesho.md)."""
