"""Start-up stays lean (issue 12): `validate` imports no module it does not use. The policy model,
the plan's classes, deepdiff, httpx, rich and difflib load only where a run needs
them, and a workspace loaded from its cache does not import the YAML parser."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Never needed by `validate` of a valid workspace without a `policy:` section (top-level names, or
# provisioner modules and everything under them).
NOT_FOR_VALIDATE = ("deepdiff", "httpx", "rich", "difflib", "provisioner.policy",
                    "provisioner.plans", "provisioner.spend", "provisioner.planner", "provisioner.engine")

# Runs the real command in-process, then lists every imported module (a None entry blocks an import:
# provisioner puts httpx._main there before httpx could load).
VALIDATE_THEN_LIST = (
    "import sys\n"
    "from provisioner.cli import main\n"
    "try:\n"
    "    main(['validate', sys.argv[1]])\n"
    "except SystemExit as done:\n"
    "    code = done.code\n"
    "print(code, ' '.join(sorted(m for m, module in sys.modules.items() if module is not None)))\n"
)


def _validate_imports(workspace: Path) -> set[str]:
    run = subprocess.run([sys.executable, "-c", VALIDATE_THEN_LIST, str(workspace)],
                         capture_output=True, text=True, check=True)
    assert "Valid: 4 campaign(s)" in run.stdout
    code, *modules = run.stdout.strip().splitlines()[-1].split(" ")
    assert code == "0"
    return set(modules)


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in names))


def test_validate_imports_only_what_it_uses_and_a_warm_load_no_yaml_parser(tmp_path: Path) -> None:
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))

    cold = _validate_imports(workspace)  # parses the YAML and writes the load cache
    assert _loaded(cold, NOT_FOR_VALIDATE) == []
    assert "yaml" in cold and "pydantic" in cold  # the check sees real imports

    warm = _validate_imports(workspace)  # from the cache
    assert _loaded(warm, (*NOT_FOR_VALIDATE, "yaml")) == []
    assert "provisioner.config.marked" in warm


def test_a_policy_section_still_loads_the_policy_model(tmp_path: Path) -> None:
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))
    (workspace / "policy.yaml").write_text("policy:\n  allowed_currencies: [EUR]\n")
    assert "provisioner.policy" in _validate_imports(workspace)
