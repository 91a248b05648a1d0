"""The plain records that cross the provider contract at run time (providers/base.py): money a
campaign commits, its flight, what a platform's rewrite is judged by, the requests and results of
writes, and platform rule checks. Apart from base.py because a `validate` uses none of them: base.py
gives each on first use (PEP 562), so creating their dataclasses (3.5-4.5 M instructions each) is
left to the commands that read or write a platform. None is made once per campaign of a plan (a
function-level import costs ~0.6 us where it runs): LiveCampaign, which is, stays in base.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError

if TYPE_CHECKING:
    from provisioner.providers.base import LiveCampaign


@dataclass(frozen=True)
class Commitment:
    """Money one campaign commits for one period, in decimal major units of the instance's currency.

    `capped=False` is a campaign with no limit at all (Criteo's uncapped spend limit): unbounded.
    `amount=None` on a capped commitment is a budget whose amount the plan cannot know (a Skala
    budget option): the spend summary says "unknown" rather than guess. An inactive campaign
    commits nothing, whatever its budget.
    """

    period: str  # the platform's own word: daily, weekly, monthly, total, lifetime, flight
    amount: Decimal | None
    capped: bool = True
    active: bool = True

    @property
    def unbounded(self) -> bool:
        return self.active and not self.capped

    @property
    def unknown(self) -> bool:
        return self.active and self.capped and self.amount is None

    @property
    def committed(self) -> Decimal:
        """What this commitment adds to a known total (0 when inactive, uncapped or unknown)."""
        return self.amount if self.active and self.capped and self.amount is not None else Decimal(0)


@dataclass(frozen=True)
class Observed:
    """What a platform's own rewrite is judged by: the whole live record, the plan's clock, and
    when this workspace's apply created the campaign (None where unknown)."""

    live: Mapping[str, Any]
    now: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Flight:
    """A campaign's flight in UTC; each bound names the platform field it comes from."""

    start: datetime | None
    end: datetime | None  # exclusive: the first moment the campaign no longer runs
    start_field: str
    end_field: str


@dataclass(frozen=True)
class Skip:
    """A live campaign `import` cannot write as config, and why (shown to the user)."""

    reason: str


@dataclass
class CreateRequest:
    key: str
    desired: dict[str, Any]


@dataclass
class CreateResult:
    live: LiveCampaign
    warnings: list[str] = field(default_factory=list)
    adopted: bool = False  # create-or-retrieve platforms: it already existed


@dataclass
class UpdateRequest:
    key: str
    id: str
    changes: dict[str, Any]  # top-level fields to send, with their desired values
    desired: dict[str, Any]


@dataclass
class UpdateResult:
    key: str
    id: str
    error: ProviderError | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RuleProblem:
    """A declared value that breaks one of the platform's own rules (e.g. a text longer than the
    campaign type allows), found at plan time so the write that would fail is never sent."""

    path: str  # the field, in the config vocabulary: "campaignFieldValues.headline.text"
    rule: str  # what the platform requires, and what was declared
    create_only: bool = False  # only a create must satisfy it (an update keeps the live value)


@dataclass
class RuleCheck:
    problems: dict[str, list[RuleProblem]] = field(default_factory=dict)  # campaign key → problems
    unchecked: str | None = None  # why the rules could not be checked with this login
