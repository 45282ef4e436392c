"""docs/security.md's roles table is the code's: every permission, every role, every tick."""

from __future__ import annotations

from pathlib import Path

from robnu.domain.permissions import ROLE_PERMISSIONS, Permission, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_roles_table_matches_the_code() -> None:
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0].startswith("`") and cells[0].strip("`") in set(Permission):
            rows[Permission(cells[0].strip("`"))] = cells[1:]
    assert set(rows) == set(Permission)
    for permission, ticks in rows.items():
        assert len(ticks) == len(Role)
        for role, tick in zip(Role, ticks, strict=True):
            assert (tick == "✓") == (permission in ROLE_PERMISSIONS[role]), (permission, role)
