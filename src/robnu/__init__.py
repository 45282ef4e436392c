"""Robnu."""
