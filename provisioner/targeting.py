"""`--target` and `--exclude`: which campaigns a plan, apply or drift covers. Patterns are globs
matched against a campaign's key or its address (`instance.key`); no --target means every campaign,
and --exclude wins over --target."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type names only: the CLI imports this module on every start, pydantic-free
    from provisioner.config.models import Workspace
    from provisioner.states.state import State


@dataclass(frozen=True)
class Targeting:
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.targets or self.excludes)

    def selects(self, key: str, instance: str) -> bool:
        if not (self.targets or self.excludes):
            return True  # (asked for every campaign of every plan)
        address = f"{instance}.{key}"

        def matches(pattern: str) -> bool:
            return fnmatchcase(key, pattern) or fnmatchcase(address, pattern)

        if self.targets and not any(matches(p) for p in self.targets):
            return False
        return not any(matches(p) for p in self.excludes)

    def unmatched(self, addresses: list[tuple[str, str]]) -> list[str]:
        """The --target patterns that select no campaign (key, instance) at all: likely typos."""
        return [p for p in self.targets
                if not any(fnmatchcase(k, p) or fnmatchcase(f"{i}.{k}", p) for k, i in addresses)]

    def describe(self) -> str:
        parts = [f"--target {p}" for p in self.targets] + [f"--exclude {p}" for p in self.excludes]
        return " ".join(parts)


def targeting_warnings(workspace: Workspace, state: State, targeting: Targeting) -> list[str]:
    """Say that a plan is partial (as Terraform does for -target), and name patterns matching nothing."""
    if not targeting.active:
        return []
    known = [(c.key, c.instance) for c in workspace.campaigns.values()]
    known += [(r.key, r.provider) for r in state.resources.values()]
    warnings = [f"--target {p} matches no campaign in config or state" for p in targeting.unmatched(known)]
    left_out = len({k for k, i in known if not targeting.selects(k, i)})
    warnings.append(f"targeted plan ({targeting.describe()}): {left_out} other campaign(s) were neither read "
                    "nor planned; run a full plan to see the whole workspace")
    return warnings


def targeted_instances(workspace: Workspace, state: State, targeting: Targeting) -> list[str]:
    """The provider instances holding a targeted campaign (in config or state): only these are read."""
    if not targeting.active:
        return sorted(workspace.providers)
    names = {c.instance for c in workspace.campaigns.values() if targeting.selects(c.key, c.instance)}
    names |= {r.provider for r in state.resources.values() if targeting.selects(r.key, r.provider)}
    return sorted(n for n in names if n in workspace.providers)
