"""`provisioner import WORKSPACE --provider INSTANCE`: read an instance's live campaigns that state
does not record, write them as workspace YAML and record them in state, so the next plan is empty."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import yaml

from provisioner.commands.output import err, out
from provisioner.engine import open_run
from provisioner.environment import Environment
from provisioner.importer import Imported, cannot_import, plan_import, record
from provisioner.providers.base import Lists
from provisioner.sandboxing import Sandboxes


def import_campaigns(workspace: str, instance: str, match: str | None, out_path: str | None, force: bool,
                     lock_timeout: float = 0.0, env: Environment | None = None) -> int:
    env = env or Environment()
    run = open_run([workspace], load_state=False, sandboxes=Sandboxes(env.sandbox), now=env.clock())
    try:
        provider = run.workspace.providers.get(instance)
        if provider is None:
            err(f"Error: no provider instance {instance!r} in {workspace} "
                f"(instances: {', '.join(sorted(run.workspace.providers)) or 'none'}).")
            return 1
        why = cannot_import(provider)
        if why:
            err(f"Error: cannot import from {instance}: {why}.")
            return 1
        target = Path(out_path) if out_path else run.workspace.root / f"imported-{instance}.yaml"
        run.statemgr.lock(f"import {instance}", timeout=lock_timeout)
        try:
            state = run.statemgr.load()
            live = cast(Lists, run.sessions.get(instance)).list_campaigns()
            plan = plan_import(run.workspace, state, instance, live, match)
            for skipped in plan.skipped:
                err(f"Skipped {skipped.label!r} (id {skipped.id}): {skipped.reason}.")
            if not plan.new and not plan.declared:
                out(f"Nothing to import from {instance}: {plan.already} campaign(s) already in state, "
                    f"{len(plan.skipped)} skipped.")
                return 0
            if plan.new and target.exists() and not force:  # checked before anything is recorded
                err(f"Error: {target} exists; choose another file with --out, or pass --force to overwrite it. "
                    "Nothing was imported.")
                return 1
            record(run.statemgr, plan, provider.plugin.name)  # state first: a campaign never goes unrecorded
            run.statemgr.compact()
        finally:
            run.statemgr.unlock()
    finally:
        run.close()
    for item in plan.declared:
        out(f"Recorded {instance}.{item.key} (id {item.live.id}) in state; it was already declared in YAML.")
    if plan.new:
        _write(target, render_campaigns(plan.new, instance))
        for item in plan.new:
            out(f"Imported {instance}.{item.key} (id {item.live.id}).")
        out(f"Wrote {len(plan.new)} campaign(s) to {target}.")
    # A campaign the YAML already declared is recorded as it is live, so the next plan shows any
    # difference between the YAML and the platform as an update: only then can the plan be non-empty.
    expect = ("campaigns already declared show any difference from the YAML as an update" if plan.declared
              else "it should be empty")
    out(f"Imported {len(plan.new) + len(plan.declared)} campaign(s) from {instance} ({len(plan.skipped)} skipped, "
        f"{plan.already} already in state). Run `provisioner plan {workspace}` to check: {expect}.")
    return 0


class _Dumper(yaml.SafeDumper):
    """Block-style YAML that keeps money exact: a Decimal is written with the digits the platform
    gave (150.50 stays 150.50), strings that would read as another type are quoted."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(datetime, lambda d, v: _str(d, v.isoformat().replace("+00:00", "Z")))
_Dumper.add_representer(date, lambda d, v: _str(d, v.isoformat()))


def render_campaigns(items: list[Imported], instance: str) -> str:
    campaigns: dict[str, Any] = {item.key: item.config for item in sorted(items, key=lambda i: i.key)}
    body = yaml.dump({"campaigns": campaigns}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return (f"# Campaigns imported from provider instance {instance} by `provisioner import`: the fields a user\n"
            "# manages, in the platform's own names. Edit them like any other campaign.\n" + body)


def _write(target: Path, text: str) -> None:
    """Atomically: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, target)
