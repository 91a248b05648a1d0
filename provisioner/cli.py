"""The command line: click parses flags and calls one function per command, which returns the
exit code. Errors the user can fix are printed without a traceback and exit 1."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from provisioner import exitcodes
from provisioner.commands.lazy import LazyModule

if TYPE_CHECKING:  # loaded when a command runs: `--help` needs none of them
    from provisioner.environment import Environment
    from provisioner.targeting import Targeting

# Each command's module (and what it imports: httpx, pydantic, the providers) loads when that
# command runs, so `--help` starts about as fast as the interpreter.
apply_cmd = LazyModule("provisioner.commands.apply")
import_cmd = LazyModule("provisioner.commands.importing")
plan_cmd = LazyModule("provisioner.commands.plan")
sandbox_cmd = LazyModule("provisioner.commands.sandbox")
show_cmd = LazyModule("provisioner.commands.show")
state_cmd = LazyModule("provisioner.commands.state")
validate_cmd = LazyModule("provisioner.commands.validate")

paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path())
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
                             default="text", show_default=True, help="How to render the result.")
full_plan_url_option = click.option(
    "--full-plan-url", metavar="URL",
    help="Where the full plan is (CI: the saved plan's artifact); markdown links it, and says so when it "
         "leaves campaigns out to stay under 65,000 characters.")
prune_option = click.option("--prune", is_flag=True,
                            help="Retire (deactivate) campaigns that are in state but no longer in config.")
class _EmulatorChoice(click.Choice[str]):
    """The registered emulators, looked up when a sandbox command checks its arguments (reading the
    entry points at every start would cost `--help` a third of its time)."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # (click sets it in __init__; here it is computed)
    def choices(self) -> tuple[str, ...]:
        from provisioner.sandbox.registry import EMULATOR_NAMES

        return EMULATOR_NAMES

    @choices.setter
    def choices(self, value: object) -> None:
        pass


target_option = click.option("--target", "targets", multiple=True, metavar="KEY",
                             help="Only this campaign (a key, or instance.key; globs; repeatable).")
exclude_option = click.option("--exclude", "excludes", multiple=True, metavar="KEY",
                              help="Leave this campaign out (a key, or instance.key; globs; repeatable).")


def _targeting(targets: tuple[str, ...], excludes: tuple[str, ...]) -> Targeting:
    from provisioner.targeting import Targeting

    return Targeting(targets, excludes)


def read_environment() -> Environment:
    """What the commands read from os.environ (environment.py), read when a command runs."""
    from provisioner.environment import read_environment

    return read_environment()


def err(message: str) -> None:
    from provisioner.commands.output import err

    err(message)


class _Seconds(click.FloatRange):
    """A number of seconds: 0 or more, and finite (NaN and infinity compare unlike numbers)."""

    name = "number"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a number of seconds (a finite number >= 0).", param, ctx)
        return seconds


lock_timeout_option = click.option("--lock-timeout", type=_Seconds(min=0), default=0.0, show_default=True,
                                   help="Seconds to wait for another run's state lock before giving up.")
allow_spend_option = click.option(
    "--allow-spend-increase", is_flag=True,
    help="Override the budget policy's blocks (the plan shows it; its apply needs this flag too).")
force_option = click.option("--force", is_flag=True,
                            help="Overwrite a destination that holds another lineage or a newer serial.")


class _Group(click.Group):
    """Usage errors exit 1, not click's 2: in CI, 2 means "changes" or "drift"."""

    def main(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as error:
            error.show()
            sys.exit(1)
        except click.Abort as error:  # click turns Ctrl-C (and EOF at a prompt) into Abort
            interrupted = isinstance(error.__cause__ or error.__context__, KeyboardInterrupt)
            err("Interrupted." if interrupted else "Aborted.")
            sys.exit(exitcodes.INTERRUPTED if interrupted else exitcodes.ERROR)
        except Exception as error:
            from provisioner.errors import ProvisionerError

            if not isinstance(error, ProvisionerError):
                raise
            err(f"Error: {error}")  # raised before a command's own handler (the environment)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _run(function, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    from provisioner.commands.output import report_config_error
    from provisioner.errors import ConfigError, ProvisionerError

    try:
        code = function(*args, **kwargs)
    except ConfigError as error:
        report_config_error(error)
        code = 1
    except ProvisionerError as error:
        err(f"Error: {error}")
        code = 1
    sys.exit(code)


@click.group(cls=_Group, epilog=exitcodes.summary())
@click.version_option(package_name="provisioner")
@click.option("-q", "--quiet", is_flag=True, help="Only results and errors: no progress, no notes.")
@click.option("--no-color", is_flag=True, help="No colour, even on a terminal (NO_COLOR=1 does the same).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: progress and errors on stderr as one JSON object per line, for machines.")
def main(quiet: bool, no_color: bool, log_format: str) -> None:
    """Plan and apply advertising campaigns kept as YAML in git, like Terraform.

    A workspace is a directory of YAML files (or the files you name), declaring provider
    instances and campaigns. `plan` shows what would change on each platform and saves
    the plan; `apply PLANFILE` makes exactly that change; `drift` reports what someone
    changed by hand since the last apply.

    Global options go before the command: `provisioner --quiet plan WS`.
    """
    from provisioner import terminal  # (not the environment's classes: `validate` reads nothing else of it)
    from provisioner.commands.output import OutputOptions, configure

    configure(OutputOptions(quiet=quiet, color=not (no_color or terminal.no_color()), log_format=log_format))


@main.command(short_help="Check a workspace offline: every problem with file, line and field.",
              epilog=exitcodes.epilog("validate"))
@paths_argument
@click.option("--skip-secrets", is_flag=True,
              help="Accept ${env:NAME} references whose variable is unset (CI jobs without secrets).")
def validate(paths: tuple[str, ...], skip_secrets: bool) -> None:
    """Check a workspace offline: YAML, schema, platform rules. Reports every problem with file:line."""
    _run(validate_cmd.validate, list(paths), skip_secrets)


@main.command(short_help="Show what apply would change on each platform, and save the plan.",
              epilog=exitcodes.epilog("plan"))
@paths_argument
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Where to save the plan (default: plans/<workspace>.json).")
@click.option("--no-save", is_flag=True, help="Only show the plan; do not write a plan file.")
@format_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@prune_option
@lock_timeout_option
@target_option
@exclude_option
@full_plan_url_option
@allow_spend_option
def plan(paths: tuple[str, ...], out_path: str | None, no_save: bool, fmt: str, detailed_exitcode: bool,
         prune: bool, lock_timeout: float, targets: tuple[str, ...], excludes: tuple[str, ...],
         full_plan_url: str | None, allow_spend_increase: bool) -> None:
    """Read live state and show what apply would change; save the plan for `apply PLANFILE`."""
    _run(plan_cmd.plan, list(paths), out_path, fmt, detailed_exitcode, prune, save=not no_save,
         lock_timeout=lock_timeout, env=read_environment(), targeting=_targeting(targets, excludes),
         full_plan_url=full_plan_url, allow_spend_increase=allow_spend_increase)


@main.command(short_help="Apply a saved plan exactly, or plan a workspace and apply it.",
              epilog=exitcodes.epilog("apply"))
@click.argument("target", type=click.Path(exists=True))
@click.option("--auto-approve", is_flag=True, help="Apply a workspace without asking (for CI).")
@lock_timeout_option
@format_option
@prune_option
@target_option
@exclude_option
@allow_spend_option
def apply(target: str, auto_approve: bool, lock_timeout: float, fmt: str, prune: bool, targets: tuple[str, ...],
          excludes: tuple[str, ...], allow_spend_increase: bool) -> None:
    """Apply a saved plan file exactly (refused if stale), or plan a workspace directory and apply
    it after confirmation. A saved plan keeps the --target/--exclude it was made with."""
    _run(apply_cmd.apply, target, auto_approve, lock_timeout, fmt, prune, env=read_environment(),
         targeting=_targeting(targets, excludes), allow_spend_increase=allow_spend_increase)


@main.command(short_help="Report campaigns changed outside provisioner since the last apply.",
              epilog=exitcodes.epilog("drift"))
@paths_argument
@format_option
@lock_timeout_option
@target_option
@exclude_option
@click.option("--full-report-url", metavar="URL",
              help="Where the full report is (CI: its artifact); markdown links it, and says so when it leaves "
                   "campaigns out to stay under 65,000 characters.")
def drift(paths: tuple[str, ...], fmt: str, lock_timeout: float, targets: tuple[str, ...],
          excludes: tuple[str, ...], full_report_url: str | None) -> None:
    """Report campaigns changed outside provisioner since the last apply (live vs state)."""
    _run(plan_cmd.drift, list(paths), fmt, lock_timeout, env=read_environment(),
         targeting=_targeting(targets, excludes), full_report_url=full_report_url)


@main.command("import", short_help="Bring an instance's existing campaigns under management.",
              epilog=exitcodes.epilog("import"))
@click.argument("workspace", type=click.Path(exists=True))
@click.option("--provider", "instance", required=True, metavar="INSTANCE",
              help="The provider instance to read (a name under providers:).")
@click.option("--match", metavar="GLOB", help="Only campaigns whose key or name matches this glob.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="The YAML file to write (default: WORKSPACE/imported-INSTANCE.yaml).")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@lock_timeout_option
def import_(workspace: str, instance: str, match: str | None, out_path: str | None, force: bool,
            lock_timeout: float) -> None:
    """Read the live campaigns of INSTANCE that state does not record, write them as workspace YAML
    and record them in state, so the next plan is empty. Campaigns the YAML already declares only
    get their state recorded. Nothing is sent but reads."""
    _run(import_cmd.import_campaigns, workspace, instance, match, out_path, force, lock_timeout,
         env=read_environment())


@main.command(short_help="Render a saved plan (PLANFILE), or list what state records (workspace PATHS).",
              epilog=exitcodes.epilog("show"))
@paths_argument
@format_option
@full_plan_url_option
def show(paths: tuple[str, ...], fmt: str, full_plan_url: str | None) -> None:
    """`show PLANFILE` renders a saved plan (a .json file) as text, JSON, or the markdown of the PR
    comment. `show PATHS` (a workspace) lists what state records: ids, pending creates, and outputs
    such as links."""
    _run(show_cmd.show, list(paths), fmt, full_plan_url)


@main.command(short_help="Write the JSON Schema of workspace files for editors.", epilog=exitcodes.epilog("schema"))
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def schema(out_path: str | None) -> None:
    """Write the JSON Schema of workspace files (for editor completion and checking)."""
    import json

    from provisioner.commands.output import out
    from provisioner.config.jsonschema import workspace_schema

    text = json.dumps(workspace_schema(), indent=1)
    if not out_path:
        out(text)
        return
    try:
        Path(out_path).write_text(text + "\n", "utf-8")
    except OSError as error:  # a user's path: say which and why, never a traceback
        err(f"Error: {out_path}: cannot write the schema ({error.strerror or error})")
        sys.exit(exitcodes.ERROR)


@main.command("force-unlock", epilog=exitcodes.epilog("force-unlock"))
@paths_argument
def force_unlock(paths: tuple[str, ...]) -> None:
    """Forget a stale record of the state lock's holder. The lock itself dies with its holder (a
    local flock with its process; a PostgreSQL advisory lock with its connection)."""
    _run(state_cmd.force_unlock, list(paths))


@main.group("state", epilog=exitcodes.epilog("state"))
def state_group() -> None:
    """Inspect and edit a workspace's state (list, show, mv, rm) and move it between the local file
    and the shared backend (push, pull). Nothing here sends anything to a platform."""


@state_group.command("push", epilog=exitcodes.epilog("state"))
@paths_argument
@force_option
@lock_timeout_option
def state_push(paths: tuple[str, ...], force: bool, lock_timeout: float) -> None:
    """Copy the local state file (state.path) into the configured shared backend."""
    _run(state_cmd.push, list(paths), force, lock_timeout)


@state_group.command("rm", epilog=exitcodes.epilog("state"))
@paths_argument
@click.option("--key", "keys", multiple=True, required=True, help="Campaign key to forget (repeatable).")
@lock_timeout_option
def state_rm(paths: tuple[str, ...], keys: tuple[str, ...], lock_timeout: float) -> None:
    """Forget campaigns in state without touching them on their platforms."""
    _run(state_cmd.rm, list(paths), list(keys), lock_timeout)


@state_group.command("list", epilog=exitcodes.epilog("state"))
@paths_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to render the result.")
def state_list(paths: tuple[str, ...], fmt: str) -> None:
    """List every campaign state records: address and platform id."""
    _run(state_cmd.list_resources, list(paths), fmt)


@state_group.command("show", epilog=exitcodes.epilog("state"))
@paths_argument
@click.option("--key", required=True, help="Campaign key to show.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to render the result.")
def state_show(paths: tuple[str, ...], key: str, fmt: str) -> None:
    """Show one campaign's state: id, values last applied, outputs, and the commit and CI run of
    the apply that last wrote it."""
    _run(state_cmd.show_resource, list(paths), key, fmt)


@state_group.command("mv", epilog=exitcodes.epilog("state"))
@paths_argument
@click.option("--key", "old", required=True, help="The campaign's key in state now.")
@click.option("--to", "new", required=True, help="Its new key (rename it in YAML too).")
@lock_timeout_option
def state_mv(paths: tuple[str, ...], old: str, new: str, lock_timeout: float) -> None:
    """Rename a campaign's key in state only (nothing is sent). Refused where the key is the
    platform's identity (Topsort, SessionM, Targeter): use a `moved:` section in YAML there."""
    _run(state_cmd.mv, list(paths), old, new, lock_timeout)


@state_group.command("pull", epilog=exitcodes.epilog("state"))
@paths_argument
@force_option
@lock_timeout_option
def state_pull(paths: tuple[str, ...], force: bool, lock_timeout: float) -> None:
    """Copy the workspace's state from the shared backend into the local state file (state.path)."""
    _run(state_cmd.pull, list(paths), force, lock_timeout)


@main.group(epilog=exitcodes.epilog("sandbox"))
def sandbox() -> None:
    """Local emulators of the platforms: serve them over HTTP, or change a campaign as a person would."""


@sandbox.command("serve", epilog=exitcodes.epilog("sandbox"))
@click.option("--state-dir", default=".sandbox", show_default=True, type=click.Path(file_okay=False),
              help="Where the emulators keep their data between runs.")
@click.option("--port", type=int, default=8701, show_default=True,
              help="First port; platforms get consecutive ports (0 = any free port).")
@click.option("--platform", "platforms", multiple=True, type=_EmulatorChoice(),
              help="Serve only these platforms (repeatable).")
@click.option("--faults", help="Fault rate and kinds, e.g. 0.2 or 0.2:429,500,503,timeout-after,drop-before; "
              "commit-late (creates only, with --commit-delay) is injected only when named, e.g. 1:commit-late.")
@click.option("--seed", type=int, help="Seed for fault injection (replayable runs).")
@click.option("--latency", type=float, default=0.0, help="Seconds added to every answer.")
@click.option("--rate-limits", is_flag=True, help="Enforce each platform's documented rate limit.")
@click.option("--ready-file", type=click.Path(dir_okay=False), help="Write the base URLs here once serving.")
@click.option("--stats-file", type=click.Path(dir_okay=False),
              help="On exit, write requests served and faults injected per platform here.")
@click.option("--hang-seconds", type=float, help="How long an injected timeout holds the answer (default 60).")
@click.option("--commit-delay", type=float, default=0.0, metavar="SECONDS",
              help="With the commit-late fault: a create is committed and answered this long after it arrived.")
def sandbox_serve(state_dir: str, port: int, platforms: tuple[str, ...], faults: str | None, seed: int | None,
                  latency: float, rate_limits: bool, ready_file: str | None, stats_file: str | None,
                  hang_seconds: float | None, commit_delay: float) -> None:
    """Serve the emulators on 127.0.0.1 until interrupted (SIGTERM or Ctrl-C)."""
    _run(sandbox_cmd.serve, state_dir, port, list(platforms), faults, seed, latency, rate_limits, ready_file,
         stats_file, hang_seconds, commit_delay)


@sandbox.command("edit", short_help="Change a campaign as a person would in the platform's UI.",
                 epilog=exitcodes.epilog("sandbox"))
@click.argument("platform", type=_EmulatorChoice())
@click.argument("object_id")
@click.argument("assignments", nargs=-1, required=True)
@click.option("--state-dir", required=True, type=click.Path(file_okay=False, exists=True),
              help="The emulator's data: for `base_url: sandbox`, WORKSPACE/.provisioner/sandbox.")
def sandbox_edit(platform: str, object_id: str, assignments: tuple[str, ...], state_dir: str) -> None:
    """Change a campaign as a person would in the platform's UI: OBJECT_ID is the platform's id (as
    `provisioner show WORKSPACE` lists it), each assignment a FIELD=VALUE, e.g. `budget.amount=60000`."""
    _run(sandbox_cmd.edit, state_dir, platform, object_id, list(assignments))


if __name__ == "__main__":  # pragma: no cover
    main()
