"""Start-up stays lean (issue 12): `validate` imports no module it does not use. The policy model,
the plan's classes, deepdiff, httpx, rich and difflib load only where a run needs
them, and a workspace loaded from its cache does not import the YAML parser. `plan` imports no
applier, no view of another format, no plan-file writer with --no-save and no policy module
without a `policy:` section."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from provisioner.providers import iso4217_table
from provisioner.providers.money import installed_iso4217_sha256

REPO = Path(__file__).resolve().parents[1]

# Never needed by `validate` of a valid workspace without a `policy:` section (top-level names, or
# provisioner modules and everything under them).
NOT_FOR_VALIDATE = ("deepdiff", "httpx", "rich", "difflib", "provisioner.policy",
                    "provisioner.plans", "provisioner.spend", "provisioner.planner", "provisioner.engine",
                    "provisioner.environment", "provisioner.sandboxing",
                    "provisioner.providers.records", "provisioner.diff",
                    "provisioner.ignore", "provisioner.config.moved")
# The iso4217 package's XML table is read only when the written-out copy is not of the installed
# package (a newer release from the registry): then importing it is right (providers/money.py).
if installed_iso4217_sha256() == iso4217_table.SOURCE_SHA256:
    NOT_FOR_VALIDATE += ("iso4217",)

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


# Never needed by `validate` of a workspace its load cache vouches for: neither pydantic, the plugins
# (their code is in the cache's key), the YAML parser nor importlib.metadata (the registry knows the
# plugins this package ships).
NOT_FOR_WARM_VALIDATE = ("yaml", "pydantic", "pydantic_core", "importlib.metadata", "provisioner.providers.topsort",
                         "provisioner.providers.criteo", "provisioner.providers.base", "provisioner.config.workspace",
                         "iso4217")

LOAD_THEN_LIST = (
    "import sys\n"
    "from provisioner.config.workspace import load_workspace\n"
    "load_workspace([sys.argv[1]])\n"
    "print(' '.join(sorted(m for m, module in sys.modules.items() if module is not None)))\n"
)

# Never needed by a text `plan --no-save` of a workspace without a `policy:` section.
NOT_FOR_PLAN = ("provisioner.applier", "provisioner.views.markdown", "provisioner.views.jsonview",
                "provisioner.plans.planfile", "provisioner.policy", "rich", "deepdiff")

COMMAND_THEN_LIST = VALIDATE_THEN_LIST.replace("['validate', sys.argv[1]]", "sys.argv[1:]")


def _imports(*argv: str) -> tuple[str, str, set[str]]:
    """The command's exit code, its output and every module it imported."""
    run = subprocess.run([sys.executable, "-c", COMMAND_THEN_LIST, *argv], capture_output=True, text=True, check=True)
    *output, last = run.stdout.strip().splitlines()
    code, *modules = last.split(" ")
    return code, "\n".join(output), set(modules)


def _validate_imports(workspace: Path) -> set[str]:
    code, output, modules = _imports("validate", str(workspace))
    assert "Valid: 4 campaign(s)" in output
    assert code == "0"
    return modules


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in names))


def test_validate_imports_only_what_it_uses_and_a_warm_load_no_yaml_parser(tmp_path: Path) -> None:
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))

    cold = _validate_imports(workspace)  # parses the YAML and writes the load cache
    assert _loaded(cold, NOT_FOR_VALIDATE) == []
    # of the plugins, only the schemas of the platforms it names: no HTTP client, no other platform
    assert sorted(m for m in cold if m.endswith(".client")
                  or m.split(".")[2:3] in (["skala"], ["sessionm"], ["targeter"])) == []
    assert "yaml" in cold and "pydantic" in cold  # the check sees real imports

    warm = _validate_imports(workspace)  # answered from the load cache
    assert _loaded(warm, (*NOT_FOR_VALIDATE, *NOT_FOR_WARM_VALIDATE)) == []
    assert "provisioner.config.sources" in warm  # the check sees real imports

    # the loader itself (what plan uses) still loads a warm workspace without the YAML parser
    loaded = subprocess.run([sys.executable, "-c", LOAD_THEN_LIST, str(workspace)], capture_output=True, text=True,
                            check=True).stdout.split()
    assert "yaml" not in loaded and "provisioner.config.marked" in loaded


def test_a_warm_validate_answers_as_the_full_load_does(tmp_path: Path) -> None:
    """The warm path gives the full load's output and exit code; without a cache entry for exactly
    these inputs (another value of a referenced variable, --skip-secrets) the full load answers."""
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))
    providers = workspace / "providers.yaml"
    providers.write_text(providers.read_text().replace(
        "    currency: EUR                # no API",
        "    api_key: ${env:STARTUP_TEST_KEY}\n    currency: EUR                # no API"))

    def run(*argv: str, key: str = "k-1") -> tuple[str, str, set[str]]:
        env = {**os.environ, "STARTUP_TEST_KEY": key}
        done = subprocess.run([sys.executable, "-c", COMMAND_THEN_LIST, *argv], capture_output=True, text=True,
                              check=True, env=env)
        *output, last = done.stdout.strip().splitlines()
        code, *modules = last.split(" ")
        return code, "\n".join(output) + done.stderr, set(modules)

    cold = run("validate", str(workspace))
    assert cold[0] == "0" and "Valid: 4 campaign(s), 2 provider instance(s) in 2 file(s)." in cold[1]
    warm = run("validate", str(workspace))
    assert warm[:2] == cold[:2]
    assert "pydantic" in cold[2] and "pydantic" not in warm[2]
    for argv, key in ((("validate", str(workspace)), "k-2"), (("validate", "--skip-secrets", str(workspace)), "k-1")):
        other = run(*argv, key=key)  # another cache key: the full load decides, as before
        assert other[:2] == cold[:2] and "pydantic" in other[2]
    unset = subprocess.run([sys.executable, "-m", "provisioner", "validate", str(workspace)], capture_output=True,
                           text=True, env={k: v for k, v in os.environ.items() if k != "STARTUP_TEST_KEY"})
    assert unset.returncode == 1 and "STARTUP_TEST_KEY" in unset.stderr


def test_a_policy_section_still_loads_the_policy_model(tmp_path: Path) -> None:
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))
    (workspace / "policy.yaml").write_text("policy:\n  allowed_currencies: [EUR]\n")
    assert "provisioner.policy" in _validate_imports(workspace)


def test_a_text_plan_imports_no_applier_other_views_plan_writer_or_policy(tmp_path: Path) -> None:
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))

    code, output, modules = _imports("plan", str(workspace), "--no-save")
    assert code == "0"
    assert "Plan: 4 to create" in output  # the plan was made and rendered
    assert _loaded(modules, NOT_FOR_PLAN) == []
    assert {"provisioner.engine", "provisioner.views.human", "provisioner.sandbox"} <= modules

    # what those modules are for still loads where it is used
    _, _, saved = _imports("--quiet", "plan", str(workspace), "--format", "markdown",
                           "--out", str(tmp_path / "plan.json"))
    assert (tmp_path / "plan.json").exists()
    assert {"provisioner.views.markdown", "provisioner.plans.planfile"} <= saved
    (workspace / "policy.yaml").write_text("policy:\n  allowed_currencies: [EUR]\n")
    assert "provisioner.policy" in _imports("plan", str(workspace), "--no-save")[2]


def test_help_imports_no_command_machinery() -> None:
    """`--help` only parses: the environment, output, errors, targeting and JSON load when a command runs."""
    code, output, modules = _imports("--help")
    assert code == "0" and "Usage:" in output
    assert _loaded(modules, ("provisioner.environment", "provisioner.commands.output", "provisioner.errors",
                             "provisioner.targeting", "provisioner.sandboxing", "provisioner.views", "json",
                             "pydantic")) == []
    assert "provisioner.cli" in modules  # the check sees real imports


# Runs a command in-process, then prints whether the cyclic collector is on, how many objects it was
# told to leave alone (frozen: what the command's imports and load keep alive to exit) and how many
# it still walks.
COMMAND_THEN_COLLECTOR = (
    "import gc, sys\n"
    "from provisioner.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as done:\n"
    "    code = done.code\n"
    "print(code, gc.isenabled(), gc.get_freeze_count(), len(gc.get_objects()))\n"
)


def test_validate_imports_and_loads_with_the_collector_paused_then_resumes_it(tmp_path: Path) -> None:
    """A cold and a warm `validate`, and one that finds a problem: what they import and build is
    frozen, not walked by the collector's passes (they, and its last one at exit, were 7 % of a cold
    run), and the collector is on again afterwards."""
    workspace = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", workspace, ignore=shutil.ignore_patterns(".provisioner"))
    broken = tmp_path / "broken"
    shutil.copytree(workspace, broken)
    campaigns = broken / "campaigns.yaml"
    campaigns.write_text(campaigns.read_text().replace("goal: Retention", "goal: Loyalty"))
    for path, expected in ((workspace, "0"), (workspace, "0"), (broken, "1")):
        done = subprocess.run([sys.executable, "-c", COMMAND_THEN_COLLECTOR, "validate", str(path)],
                              capture_output=True, text=True, check=True)
        code, enabled, frozen, walked = done.stdout.strip().splitlines()[-1].split(" ")
        assert (code, enabled) == (expected, "True")
        # a cold load left to the collector leaves ~20,000 objects (pydantic, YAML, the plugins) for it
        assert int(frozen) > 10_000 and int(walked) < 1_000, (frozen, walked)
    assert "campaigns.retargeting-eu.goal" in done.stderr  # the problem was reported
