"""Pure domain types: no I/O, imported by every other layer."""
