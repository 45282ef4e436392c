"""Object storage behind one port: the local directory (default) and S3-compatible object storage.

Backends only move bytes by key; what an object is (its row, checksum, owner) is the services' business
(``robnu.services.storage``)."""

from robnu.storage.port import ObjectNotFound, ObjectStore, StorageError, open_store

__all__ = ["ObjectNotFound", "ObjectStore", "StorageError", "open_store"]
