"""Use cases: connect and validate accounts, sync, key rotation. Called by the CLI, jobs and API."""
