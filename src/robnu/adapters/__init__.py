"""Marketplace adapters: one package per marketplace, each the same shape
(credentials.py, satellite.py, client.py, mapping.py, adapter.py), dispatched by Marketplace.code."""
