"""Every exit code of every command, defined once: cli.py's --help epilogs are made from this table,
and a test checks the README's exit-code table and the commands' behaviour against it."""

from __future__ import annotations

from typing import NamedTuple

OK, ERROR, CHANGES, BLOCKED_BY_POLICY = 0, 1, 2, 3
INTERRUPTED, TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


class ExitCode(NamedTuple):
    code: int
    short: str  # for the one-line-per-command summary of `provisioner --help`
    meaning: str  # for the command's own --help and the README


# command → its codes, in the order people read them
COMMANDS: dict[str, list[ExitCode]] = {
    "validate": [ExitCode(OK, "valid", "valid"),
                 ExitCode(ERROR, "invalid", "invalid: every problem is listed with file, line and field")],
    "plan": [ExitCode(OK, "success", "success; with --detailed-exitcode: no changes"),
             ExitCode(CHANGES, "changes (--detailed-exitcode)",
                      "with --detailed-exitcode: changes (a blocked change counts: it needs a human)"),
             ExitCode(BLOCKED_BY_POLICY, "blocked by policy", "a budget policy blocks the plan"),
             ExitCode(ERROR, "error", "any error (invalid input, a platform that cannot be read, lock held)")],
    "apply": [ExitCode(OK, "succeeded", "everything succeeded"),
              ExitCode(ERROR, "failed or refused", "anything failed or was refused (stale or edited plan, lock "
                       "held, invalid input, cannot update in place)"),
              ExitCode(BLOCKED_BY_POLICY, "refused by policy", "refused by a budget policy")],
    "drift": [ExitCode(OK, "in sync", "in sync (a platform that cannot be read by design is listed as not "
                       "observable and does not make it 2)"),
              ExitCode(CHANGES, "drift found", "drift: a person changed a campaign, or a possible duplicate exists "
                       "(changes the platform makes by itself do not count)"),
              ExitCode(ERROR, "error", "any error")],
    "import": [ExitCode(OK, "imported", "imported, or nothing new to import"),
               ExitCode(ERROR, "error", "any error (an unreadable platform, a file that exists without --force)")],
    "show": [ExitCode(OK, "shown", "shown"), ExitCode(ERROR, "error", "any error (no such plan file, a damaged one)")],
    "force-unlock": [ExitCode(OK, "lock free", "the lock is free (stale records removed)"),
                     ExitCode(ERROR, "lock held", "the lock is still held by a live process")],
    "state": [ExitCode(OK, "done", "done"),
              ExitCode(ERROR, "refused or error", "refused (another lineage, a newer serial, a key not in state) "
                       "or error")],
    "schema": [ExitCode(OK, "written", "the schema was written"),
               ExitCode(ERROR, "error", "the --out file cannot be written")],
    "sandbox": [ExitCode(OK, "done", "served until stopped, or the edit was made"),
                ExitCode(ERROR, "error", "any error (no such campaign, a port in use)")],
}
# Every command: usage errors exit 1 (never click's 2, which would read as "changes"), and interruptions.
EVERY_COMMAND: list[ExitCode] = [
    ExitCode(ERROR, "usage error", "usage error (an unknown flag, a missing argument)"),
    ExitCode(INTERRUPTED, "interrupted", "interrupted (Ctrl-C, SIGINT)"),
    ExitCode(TERMINATED, "terminated", "terminated (SIGTERM)"),
]


def epilog(command: str) -> str:
    """The `Exit codes:` paragraph of one command's --help (\\b keeps click from rewrapping it)."""
    lines = [f"  {e.code:>3}  {e.meaning}" for e in [*COMMANDS.get(command, []), *EVERY_COMMAND]]
    return "\b\nExit codes:\n" + "\n".join(lines)


def summary() -> str:
    """The group's --help epilog: one line per command."""
    lines = [f"  {name:<13}" + ", ".join(f"{e.code} {e.short}" for e in codes) for name, codes in COMMANDS.items()]
    lines.append(f"  {'any command':<13}" + ", ".join(f"{e.code} {e.short}" for e in EVERY_COMMAND))
    return "\b\nExit codes:\n" + "\n".join(lines)
