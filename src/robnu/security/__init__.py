"""Envelope encryption, the master key ring, the credential vault and log redaction."""
