"""No piece of the PostgreSQL password reaches any output, whatever the driver says: malformed
DSNs (a bad percent-escape, an unencoded '@' or '/', a space) and refused connections to the real
server the tests start, through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.errors import StateError
from provisioner.states.postgres import PostgresStateManager, dsn_secrets, redact_dsn
from tests.conftest import Platforms, cli
from tests.states.conftest import PostgresServer

SECRET = "Zq7SECRETpw"  # distinctive: any fragment of it in an output is a leak


def _malformed(port: int) -> dict[str, tuple[str, list[str]]]:
    """name → (DSN, fragments of the password that must never be printed)."""
    host = f"127.0.0.1:{port}"
    return {
        "bad percent-escape": (f"postgresql://postgres:ab%zz{SECRET}@{host}/postgres", [SECRET, "ab%zz"]),
        "truncated percent-escape": (f"postgresql://postgres:{SECRET}%4@{host}/postgres", [SECRET]),
        "unencoded @": (f"postgresql://postgres:pre@{SECRET}@{host}/postgres", [SECRET, "pre@"]),
        "unencoded @, short tail": (f"postgresql://postgres:{SECRET}@xy@{host}/postgres", [SECRET, "xy@"]),
        "unencoded /": (f"postgresql://postgres:pw/{SECRET}@{host}/postgres", [SECRET]),
        "space": (f"postgresql://postgres:pw {SECRET}@{host}/postgres", [SECRET]),
        "%00": (f"postgresql://postgres:{SECRET}%00@{host}/postgres", [SECRET]),
        "query password, bad escape": (f"postgresql://postgres@{host}/postgres?password={SECRET}%zz",
                                       [SECRET]),
        "keyword form, unquoted space": (f"host=127.0.0.1 port={port} password=pw {SECRET}", [SECRET]),
        "keyword form, unterminated quote": (f"host=127.0.0.1 port={port} password='{SECRET}", [SECRET]),
        "unterminated IPv6 host": (f"postgresql://postgres:{SECRET}@[::1/postgres", [SECRET]),
        "missing database": (f"postgresql://postgres:{SECRET}@{host}/no_such_database", [SECRET]),
        "nothing listening": (f"postgresql://postgres:{SECRET}@127.0.0.1:1/postgres", [SECRET]),
    }


def _cases() -> list[str]:
    return list(_malformed(5432))


@pytest.mark.parametrize("case", _cases())
def test_no_piece_of_the_password_is_printed(case: str, postgres_server: PostgresServer, workspace: Path,
                                             platforms: Platforms, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn, fragments = _malformed(postgres_server.port)[case]
    monkeypatch.setenv("TEAM_STATE_DSN", dsn)
    (workspace / "state.yaml").write_text("state:\n  backend: postgres\n  dsn: ${env:TEAM_STATE_DSN}\n"
                                          "  workspace: shop\n")
    for command in (["plan", str(workspace), "--no-save"], ["apply", str(workspace), "--auto-approve"],
                    ["show", str(workspace)], ["force-unlock", str(workspace)]):
        result = cli(*command)
        assert result.exit_code == 1, (case, command, result.output)
        text = result.stdout + result.stderr
        assert "PostgreSQL state backend: cannot" in result.stderr and "Traceback" not in text
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
        for fragment in fragments:
            assert fragment not in text, (case, command, text)
        assert dsn not in text
    assert platforms.requests("topsort") == [] and platforms.requests("criteo") == []


def test_parse_errors_keep_what_helps_and_nothing_of_the_password() -> None:
    with pytest.raises(StateError) as raised:
        PostgresStateManager(f"postgresql://u:{SECRET}@h/db?bogus=1", "shop").load()
    assert 'invalid URI query parameter: "bogus"' in str(raised.value) and SECRET not in str(raised.value)
    with pytest.raises(StateError) as raised:
        PostgresStateManager(f"postgresql://u:ab%zz{SECRET}@h/db", "shop").load()
    assert "invalid percent-encoded token" in str(raised.value) and "cannot parse the connection string" in str(
        raised.value)


def test_redaction_covers_decoded_and_cut_pieces() -> None:
    dsn = f"postgresql://u:p%40ss@{SECRET}@db.internal/ads"
    assert {"p%40ss@" + SECRET, "p@ss@" + SECRET, SECRET} <= dsn_secrets(dsn)
    said = f"failed to resolve host '{SECRET}@db.internal' (password p@ss@{SECRET}); the address is ok"
    redacted = redact_dsn(said, dsn)
    assert SECRET not in redacted and "p@ss" not in redacted and "address is ok" in redacted
    # a short tail is redacted where it stands alone, not inside ordinary words
    assert redact_dsn("host 'ss@h' has no address", "postgresql://u:p@ss@h/db") == "host '***@h' has no address"
