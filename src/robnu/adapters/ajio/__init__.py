"""AJIO (Reliance Retail) Dropship/VMS adapter."""
