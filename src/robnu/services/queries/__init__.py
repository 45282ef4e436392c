"""Seller-scoped read models: one module per resource, pure functions ``(session, seller_id, filters, cursor,
limit) -> Page[Dto]`` (and ``get_<thing>(session, seller_id, id) -> Detail``) for the HTTP API, the dashboard
and scripts.

* Every query names ``seller_id`` in its own WHERE clause (and in every join), whatever else scopes the session:
  row-level security on PostgreSQL, nothing on SQLite. Another seller's id reads as ``NotFound``.
* A list of account rows opens with ``common.ListScope``: the seller's rows on the accounts its marketplace /
  account filter allows (an empty page, no query, when it allows none); the list states only its own columns,
  filters, order and row mapping.
* Lists are keyset-paginated on a unique sort key (``common.Keyset``): the next page starts after the last row's
  key, so a deep page is as cheap as the first; the cursor is opaque and bound to its list.
* DTOs are frozen pydantic models: money is ``Decimal`` (a decimal string in JSON), times are aware UTC.
* Filters are frozen dataclasses of plain values; a bad value is ``InvalidInput`` naming the field.
"""
