"""Import boundaries, checked on the source: providers never know about the sandbox, and the
engine's core never renders (no views, no commands, no click)."""

from __future__ import annotations

import ast
from pathlib import Path

import provisioner

PACKAGE = Path(provisioner.__file__).parent


def imports_of(path: Path) -> list[str]:
    """Every module `path` imports, lazily or not (imports inside functions count too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


def offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PACKAGE)}: {name}" for path in paths for name in imports_of(path)
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_providers_never_import_the_sandbox() -> None:
    providers = sorted((PACKAGE / "providers").rglob("*.py"))
    assert len(providers) > 20  # the walk really found the provider packages
    assert offenders(providers, ("provisioner.sandbox", "provisioner.sandboxing")) == []


def test_the_checker_sees_a_lazy_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from provisioner.sandbox.registry import make_emulator\n")
    assert imports_of(sample) == ["provisioner.sandbox.registry"]


def test_the_engine_never_renders() -> None:
    core = [PACKAGE / name for name in ("engine.py", "planner.py", "applier.py", "refresh.py")]
    assert offenders(core, ("provisioner.views", "provisioner.commands", "click")) == []


def test_runtime_guards_are_errors_not_asserts() -> None:
    """`assert` vanishes under `python -O`, so package code guards with errors (issue 8)."""
    modules = sorted(PACKAGE.rglob("*.py"))
    asserts = [f"{path.relative_to(PACKAGE)}:{node.lineno}" for path in modules
               for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path)))
               if isinstance(node, ast.Assert)]
    assert asserts == []
