"""The emulators are a platform, not a mock of our client: they never import provider or config code."""

from __future__ import annotations

import ast
from pathlib import Path

import provisioner.sandbox

SANDBOX = Path(provisioner.sandbox.__file__).parent


def test_sandbox_imports_nothing_outside_itself() -> None:
    offenders = []
    for path in SANDBOX.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names
                          if n.startswith("provisioner") and not n.startswith("provisioner.sandbox")]
    assert offenders == []


def test_every_emulator_keeps_an_endpoint_checklist() -> None:
    for name in ("topsort", "criteo", "sessionm", "targeter", "skala"):
        checklist = (SANDBOX / name / "COVERAGE.md").read_text()
        assert "- [X]" in checklist, name
