"""The `state:` section and its PROVISIONER_STATE_* overrides: backends, the DSN as a secret
reference that is never printed, and the workspace name in a shared backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.config.workspace import StateSettings, load_workspace
from provisioner.errors import ConfigError

PROVIDERS = "providers:\n  topsort: {base_url: sandbox, vendor_id: v1, currency: EUR}\n"
DSN = "postgresql://ci:pw-SECRET-31@db.internal/state"


def _load(root: Path, state: str | None, environ: dict[str, str]) -> StateSettings:
    root.mkdir(exist_ok=True)
    (root / "providers.yaml").write_text(PROVIDERS)
    if state is not None:
        (root / "state.yaml").write_text(state)
    return load_workspace([root], environ=environ).state


def _errors(root: Path, state: str | None, environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        _load(root, state, environ)
    return [str(d) for d in raised.value.diagnostics]


def test_local_is_the_default(tmp_path: Path) -> None:
    settings = _load(tmp_path / "shop", None, {})
    assert (settings.backend, settings.path, settings.dsn) == ("local", ".provisioner", None)


def test_postgres_from_yaml_resolves_the_dsn_reference(tmp_path: Path) -> None:
    yaml = "state:\n  backend: postgres\n  dsn: ${env:STATE_DSN}\n  workspace: shop-eu\n"
    settings = _load(tmp_path / "shop", yaml, {"STATE_DSN": DSN})
    assert (settings.backend, settings.dsn, settings.workspace) == ("postgres", DSN, "shop-eu")
    assert DSN not in repr(settings)


def test_literal_dsn_is_refused_without_echoing_it(tmp_path: Path) -> None:
    errors = _errors(tmp_path / "shop", f"state:\n  backend: postgres\n  dsn: {DSN}\n", {})
    assert len(errors) == 1 and "state.yaml:1" in errors[0] and "must reference the environment" in errors[0]
    assert DSN not in errors[0] and "pw-SECRET" not in errors[0]


def test_missing_dsn_and_unset_variable_are_reported(tmp_path: Path) -> None:
    assert "needs dsn: ${env:NAME}" in _errors(tmp_path / "a", "state: {backend: postgres}\n", {})[0]
    unset = _errors(tmp_path / "b", "state: {backend: postgres, dsn: '${env:STATE_DSN}'}\n", {})
    assert "STATE_DSN" in unset[0] and "is not set" in unset[0]


def test_dsn_without_the_postgres_backend_is_an_error(tmp_path: Path) -> None:
    errors = _errors(tmp_path / "shop", "state: {dsn: '${env:STATE_DSN}', workspace: shop}\n", {"STATE_DSN": DSN})
    assert "need `backend: postgres`" in errors[0]
    assert "did you mean 'postgres'" in _errors(tmp_path / "x", "state: {backend: postgress}\n", {})[0]


def test_environment_overrides_for_ci(tmp_path: Path) -> None:
    environ = {"PROVISIONER_STATE_BACKEND": "postgres", "PROVISIONER_STATE_DSN": DSN}
    settings = _load(tmp_path / "shop", None, environ)
    assert (settings.backend, settings.dsn, settings.workspace) == ("postgres", DSN, "shop")  # the folder's name
    environ["PROVISIONER_STATE_WORKSPACE"] = "shop-ci"
    yaml = "state:\n  backend: postgres\n  dsn: ${env:UNSET_HERE}\n  workspace: shop-eu\n"
    settings = _load(tmp_path / "shop", yaml, environ)  # the override wins, so the unset reference is not needed
    assert (settings.dsn, settings.workspace) == (DSN, "shop-ci")
    settings = _load(tmp_path / "shop", yaml, {"PROVISIONER_STATE_BACKEND": "local"})  # back to the file
    assert (settings.backend, settings.dsn) == ("local", None)
    errors = _errors(tmp_path / "other", None, {"PROVISIONER_STATE_BACKEND": "postgres"})
    assert "(environment)" in errors[0] and "PROVISIONER_STATE_DSN" in errors[0]
