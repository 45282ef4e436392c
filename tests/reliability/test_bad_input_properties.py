"""Bad input (issue item 6), as properties: random input to the CLI's parsers and to every marketplace's
credential model never ends in a traceback or an unexpected error, and input that is refused writes nothing.

Exit statuses must be among the documented ones (docs/operations.md): 1 ("unexpected error") would mean a
check is missing somewhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from robnu.cli.exits import ExitCode
from robnu.cli.main import app
from robnu.db.models import Base
from robnu.domain.errors import RobnuError
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from tests.factories import ALL_CODES, credentials

EXPECTED_EXITS = {c.value for c in ExitCode} - {ExitCode.INTERNAL, ExitCode.INTERRUPTED, ExitCode.TERMINATED}
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as an attacker types it: control characters, NUL, surrogates-free unicode, and now and then a lot of it.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\n", "😀" * 3, "-1", "1e9", "0x10", "2999-01-01", "1900-01-01"]),
    st.integers(min_value=1, max_value=20_000).map(lambda n: "x" * n),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**31 - 1, 2**63 - 1, 2**63, 10**30]),
).map(str)
ids_or_text = st.one_of(numbers, nasty_text)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _snapshot(rt: Runtime) -> dict[str, int]:
    with rt.engine.connect() as c:
        return {
            name: int(c.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in Base.metadata.tables.items()
            if name in _existing(c)
        }


def _existing(c: Any) -> set[str]:
    if c.dialect.name == "sqlite":
        return set(c.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars())
    return set(c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")).scalars())


@pytest.fixture
def seeded(rt: Runtime, cli: CliRunner) -> Iterator[tuple[Runtime, CliRunner, int, int]]:
    seller = create_seller(rt, "Property Test")
    account = connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    yield rt, cli, seller, account


def _invoke_cleanly(runner: CliRunner, argv: list[str], input: str | bytes | None = None) -> int:
    result = runner.invoke(app, argv, input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exception)
    assert "Traceback" not in result.output, (argv, result.output[-2000:])
    assert result.exit_code in EXPECTED_EXITS, (argv, result.exit_code, result.output[-2000:])
    return result.exit_code


READ_ONLY = [
    lambda a: ["accounts", "show", a[0]],
    lambda a: ["accounts", "list", "--seller-id", a[0]],
    lambda a: ["schedules", "list", "--account", a[0]],
    lambda a: ["reports", "list", "--seller", a[0], "--limit", a[1]],
    lambda a: ["reports", "show", a[0]],
    lambda a: ["stock", "list", a[0]],
    lambda a: ["listings", "list", a[0]],
    lambda a: ["invoices", "list", a[0], "--fy", a[1]],
    lambda a: ["sla", "--seller", a[0]],
    lambda a: ["keys", "retire", a[1]],
]
WRITING = [
    lambda a: ["sellers", "create", a[1], "--plan", a[2]],
    lambda a: ["sellers", "create", "Shop", "--owner-email", a[1]],
    lambda a: ["sellers", "plan", a[0], a[1]],
    lambda a: ["sellers", "tax", a[0], "--gstin", a[1], "--legal-name", a[2]],
    lambda a: ["stock", "adjust", a[0], a[1], a[2]],
    lambda a: ["schedules", "set", a[0], a[1], "--every", a[2]],
    lambda a: ["schedules", "set", a[0], "ORDERS", "--cron", a[1], "--jitter", a[2]],
    lambda a: ["schedules", "pause", a[0], a[1]],
    lambda a: ["listings", "edit", a[0], "--buffer", a[1], "--percentage", a[2]],
    lambda a: ["invoices", "start", a[0], "--prefix", a[1], "--fy", a[2], "--last", a[0]],
    lambda a: ["accounts", "dispatch", a[0], "--cutoffs", a[1], "--invoice-prefix", a[2]],
    lambda a: ["accounts", "dispatch", a[0], "--delayed-close-minutes", a[1], "--closure-policy", a[2]],
    lambda a: ["sync", a[0], "--since", a[1]],
    lambda a: ["sync", a[0], "--target", a[1]],
    lambda a: ["sandbox", "serve", "--port", a[0], "--orders", a[1], "--rate-scale", a[2]],
]


@PROPERTY
@given(
    st.sampled_from(READ_ONLY + WRITING),
    st.tuples(ids_or_text, ids_or_text, ids_or_text),
)
def test_random_arguments_end_cleanly_and_refusals_write_nothing(
    seeded: tuple[Runtime, CliRunner, int, int], command: Any, args: tuple[str, str, str]
) -> None:
    rt, runner, seller, account = seeded
    argv = command(list(args))
    # Work on the one real account would call its marketplace: random ids must name nothing real there.
    assume(not (argv[0] in ("sync", "sandbox") and args[0] in (str(account), str(seller))))
    assume(not (argv[0] == "sandbox" and args[0].isdigit() and 1024 <= int(args[0]) <= 65531))
    before = _snapshot(rt)
    code = _invoke_cleanly(runner, argv)
    if code != 0:
        assert _snapshot(rt) == before, f"{argv} was refused ({code}) but wrote"


@PROPERTY
@given(
    st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(["pob_id", "api_key", "api_secret", "supplier_id", "x"]), json_values).map(
            lambda v: json.dumps(v).encode()
        ),
    ),
    st.sampled_from(ALL_CODES),
)
def test_random_credential_files_end_cleanly_and_write_nothing(
    seeded: tuple[Runtime, CliRunner, int, int], tmp_path: Path, content: bytes, code: str
) -> None:
    rt, runner, seller, _ = seeded
    path = tmp_path / "creds.json"
    path.write_bytes(content)
    before = _snapshot(rt)
    for source, stdin in ((str(path), None), ("-", content)):
        exit_code = _invoke_cleanly(runner, ["accounts", "add", str(seller), code, "--credentials-file", source], stdin)
        assert exit_code == ExitCode.BAD_INPUT
        assert _snapshot(rt) == before


def test_files_that_are_not_credential_files(seeded: tuple[Runtime, CliRunner, int, int], tmp_path: Path) -> None:
    _, runner, seller, _ = seeded
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"api_secret": "x" * 200_000}))
    for source, words in (
        (tmp_path / "missing.json", "does not exist"),
        (tmp_path, "is not a regular file"),
        (big, "larger than"),
    ):
        result = runner.invoke(app, ["accounts", "add", str(seller), "MEESHO", "--credentials-file", str(source)])
        assert result.exit_code == ExitCode.BAD_INPUT and "credentials_file" in result.output, result.output
        assert words in result.output


def _mutations(code: str) -> st.SearchStrategy[dict[str, Any]]:
    """A valid credential set with one field replaced (or added) by a random value."""
    valid = credentials(code)
    fields = [*valid, "unknown_field"]
    return st.tuples(st.sampled_from(fields), json_values).map(lambda kv: {**valid, kv[0]: kv[1]})


@PROPERTY
@given(st.sampled_from(ALL_CODES).flatmap(lambda code: st.tuples(st.just(code), _mutations(code))))
def test_credential_models_refuse_with_the_field_named_and_write_nothing(
    seeded: tuple[Runtime, CliRunner, int, int], case: tuple[str, dict[str, Any]]
) -> None:
    rt, _, seller, _ = seeded
    code, data = case
    before = _snapshot(rt)
    try:
        account = connect_account(rt, seller, code, data)
    except RobnuError as exc:
        assert _snapshot(rt) == before, f"{code} refused {exc} but wrote"
        assert ":" in str(exc)  # "<field>: <reason>"
    else:  # the random value happened to be valid: it is stored and reads back
        with rt.session() as s:
            s.execute(text("DELETE FROM marketplace_accounts WHERE id = :a"), {"a": account})
