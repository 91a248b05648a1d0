"""The provider contract: a small core every platform implements, plus optional capabilities.

A platform that cannot update or read simply does not implement that Protocol, never fakes it,
and says why in its plugin; `ProviderPlugin.capabilities` is the one description the engine reads.
Everything crossing this boundary is in the *config vocabulary*: the field names and value forms
a user writes in YAML; each provider maps to and from its wire format in its `resources.py`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    Protocol,
    TypeVar,
    cast,
    runtime_checkable,
)
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

from provisioner.providers.money import Currency

if TYPE_CHECKING:  # the HTTP layer builds on this module; sessions receive its context
    from provisioner.providers import records
    from provisioner.providers.http import HttpContext

    Commitment = records.Commitment
    CreateRequest = records.CreateRequest
    CreateResult = records.CreateResult
    Flight = records.Flight
    Observed = records.Observed
    RuleCheck = records.RuleCheck
    RuleProblem = records.RuleProblem
    Skip = records.Skip
    UpdateRequest = records.UpdateRequest
    UpdateResult = records.UpdateResult

# The contract's plain records live in records.py and load on first use: `validate` needs none of them.
RECORDS = frozenset({"Commitment", "Flight", "Observed", "Skip", "CreateRequest", "CreateResult",
                     "UpdateRequest", "UpdateResult", "RuleProblem", "RuleCheck"})


def __getattr__(name: str) -> Any:
    """`from provisioner.providers.base import LiveCampaign` (and the other RECORDS) as before."""
    if name in RECORDS:
        from provisioner.providers import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

SANDBOX = "sandbox"  # base_url value that runs the platform's emulator in-process


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    requests: int = Field(gt=0)
    per_seconds: float = Field(gt=0)


class ProviderSettings(BaseModel):
    """Settings every provider instance takes; platforms subclass to add theirs."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    # fields that identify us to the platform; the sandbox accepts any, so they may be omitted there
    credentials: ClassVar[tuple[str, ...]] = ()

    type: str
    base_url: str
    parallelism: int = Field(default=8, ge=1, le=64, description="concurrent requests for this instance")
    rate_limit: RateLimit | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    max_retries: int = Field(default=5, ge=0, le=20)
    settle_seconds: float | None = Field(
        default=None, ge=0, le=86400,
        description="after a create's answer is lost, how long plans wait for the platform to commit it before "
                    "a lookup decides (default 3 x timeout_seconds + 30)")

    @field_validator("base_url")
    @classmethod
    def _secure_base_url(cls, value: str) -> str:
        if value == SANDBOX:
            return value
        url = urlparse(value)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise ValueError(f"'{value}' is not an http(s) URL (or '{SANDBOX}')")
        if url.scheme == "http" and not _is_loopback(url.hostname):
            raise ValueError("plain http is only allowed to a loopback host; use https")
        return value.rstrip("/")

    @property
    def is_sandbox(self) -> bool:
        return self.base_url == SANDBOX

    @property
    def settle_window(self) -> float:
        """Seconds after an ambiguous create before a lookup may conclude it was never made. The
        platform received the request within one client timeout; a commit later than three of them
        plus half a minute means a platform degraded far beyond its usual answer time (and a slow
        answer is what produced the ambiguity in the first place)."""
        return self.settle_seconds if self.settle_seconds is not None else 3 * self.timeout_seconds + 30


class MoneySettings(ProviderSettings):
    """Settings of a platform whose campaigns carry money. No API says which currency an account
    uses, so the instance declares it; validate asks for it when its campaigns have budgets."""

    currency: Currency | None = None


S = TypeVar("S", bound=ProviderSettings)
S_contra = TypeVar("S_contra", bound=ProviderSettings, contravariant=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CampaignModel(BaseModel):
    """A platform's campaign as users write it. Subclasses declare the platform's rules."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    # field → why it cannot change after creation (shown in the plan as "cannot update in place")
    create_only: ClassVar[dict[str, str]] = {}
    # fields sent on create and never compared afterwards (e.g. Topsort bids)
    not_compared: ClassVar[frozenset[str]] = frozenset()
    # fields the platform needs to create a campaign but never returns (e.g. Topsort bids): optional in
    # the model, so an imported campaign may leave them out; a planned create must declare them
    required_on_create: ClassVar[frozenset[str]] = frozenset()

    def declared(self) -> dict[str, Any]:
        """The fields the YAML declares, as plain JSON-able values (Decimal kept exact)."""
        declared: dict[str, Any] = _plain(self.model_dump(exclude_unset=True, by_alias=True))
        return declared

    @classmethod
    def update_blocker(cls, field_name: str, live: Any, desired: Any) -> str | None:
        """Why `field_name` cannot change from `live` to `desired` in place, or None."""
        return cls.create_only.get(field_name)

    @classmethod
    def live_equivalent(cls, field_name: str, desired: Any, live: Any) -> bool:
        """True where the platform rewrote a value on purpose (not a diff). Default: never."""
        return False

    @classmethod
    def commitments(cls, fields: Mapping[str, Any], currency: str | None) -> list[Commitment]:
        """The money a campaign with these fields (config vocabulary: declared or live) commits,
        normalised from the platform's units into major units of `currency` (None: not declared;
        amounts that need it are then unknown). Default: the platform's campaigns carry no money."""
        return []
    # -- what the platform does by itself, and the flight dates -----------------------
    # what the platform does with a start date in the past on create (shown as a plan warning)
    past_start_note: ClassVar[str] = "the campaign starts as soon as it is created"
    # field paths holding a budget amount: an increase on a campaign whose flight has ended is a warning
    budget_paths: ClassVar[tuple[str, ...]] = ()
    # the top-level fields `commitments` reads, when it reads no others: campaigns with equal values
    # there commit the same, so a plan computes it once per distinct value (None: not declared)
    money_fields: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    def platform_rewrite(cls, field_name: str, declared: Any, live: Any, observed: Observed) -> str | None:
        """Why the platform itself changed `field_name` from `declared` to `live` (a documented
        rewrite, e.g. a past start date moved to the creation time), or None: then a person did.
        Such a value is neither planned as an update nor reported as a human edit."""
        return None

    @classmethod
    def flight(cls, fields: Mapping[str, Any]) -> Flight | None:
        """When the campaign described by `fields` (config vocabulary) runs; None where the platform
        has no flight dates."""
        return None


def parse_moment(value: Any) -> datetime | None:
    """A datetime (or a date, as its UTC midnight) from a config or wire value; None if it is none."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    if hasattr(value, "get_secret_value"):
        raise TypeError("secrets never belong in campaign bodies")
    return value


# Made by every read of a platform (one per live campaign), so here and not in records.py: a function-level
# import of it costs ~0.6 us per campaign where it is made.
@dataclass(slots=True)  # one per live campaign: no per-instance __dict__
class LiveCampaign:
    """A campaign as read from the platform, in the config vocabulary."""

    id: str
    fields: dict[str, Any]
    key: str | None = None  # our key, where the platform stores it (external id / permalink)
    name: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # links etc. a user needs to see


# live campaign → the fields a user manages, in the config vocabulary (as validate accepts them), or Skip
ToConfig = Callable[[LiveCampaign], "dict[str, Any] | Skip"]


class ProviderSession(Protocol):
    """A connected provider instance: the one thing every platform must do is create."""

    def create_campaign(self, request: CreateRequest) -> CreateResult: ...

    def close(self) -> None: ...


@runtime_checkable
class Lists(Protocol):
    """Reads all live campaigns of the instance in as few calls as the API allows."""

    def list_campaigns(self) -> list[LiveCampaign]: ...


@runtime_checkable
class Finds(Protocol):
    """Finds the campaign a create may have made (after a crash or an ambiguous answer)."""

    def find_campaign(self, key: str, desired: dict[str, Any]) -> LiveCampaign | None: ...


@runtime_checkable
class Prepares(Protocol):
    """Called at plan time with the declared campaigns of the instance, before listing: resolve
    names to ids, check rights. Raise ProviderError to stop the plan with a clear message."""

    def prepare(self, declared: dict[str, dict[str, Any]]) -> None: ...


@runtime_checkable
class ChecksRules(Protocol):
    """Called at plan time (after prepare) with the declared campaigns: checks them against the
    platform's own rules where the login may read them, or says why it cannot."""

    def check_rules(self, declared: dict[str, dict[str, Any]]) -> RuleCheck: ...


@runtime_checkable
class Updates(Protocol):
    def update_campaign(self, request: UpdateRequest) -> UpdateResult: ...


@runtime_checkable
class BatchUpdates(Protocol):
    """Updates many campaigns per request, with per-item results (partial failure). A session may
    also say `batch_size` (items per request): the applier then hands it that many at a time,
    several batches at once within the instance's parallelism."""

    def update_campaigns(self, requests: list[UpdateRequest]) -> list[UpdateResult]: ...


@runtime_checkable
class Retires(Protocol):
    def retire_campaign(self, campaign_id: str, key: str) -> None: ...


@dataclass(frozen=True)
class LaunchSwitch:
    """How a platform says a campaign is off or on, in the config vocabulary (Topsort isActive)."""

    paused: Mapping[str, Any]  # merged into a create's body: the campaign starts switched off
    active: Mapping[str, Any]  # the update that switches it on (planned as `activate`)


@runtime_checkable
class LaunchesPaused(Protocol):
    """Can create a campaign switched off and switch it on later with an update (paused-first
    launches): the activation is then a change of its own that a reviewer approves."""

    @staticmethod
    def launch_switch() -> LaunchSwitch: ...


AdoptBy = Literal["key", "name", "none"]


@dataclass(frozen=True)
class Capability:
    """One thing a platform may be able to do, and the Protocol(s) a session implements for it."""

    protocols: tuple[type, ...]
    explain_absence: bool = True  # a platform without it must say why (shown to users)


# The one table of capabilities: adding one (e.g. "launch paused") is one line here plus its Protocol.
CAPABILITIES: dict[str, Capability] = {
    "read": Capability((Lists,)),  # without it, plans rest on state and drift is unknown
    "find": Capability((Finds,)),  # look up the campaign an interrupted create may have made
    "update": Capability((Updates, BatchUpdates)),
    "retire": Capability((Retires,)),
    "prepare": Capability((Prepares,), explain_absence=False),  # a plan-time hook, not a platform ability
    # create switched off, activate by an update; optional to explain, so plugins written
    # before it existed keep loading (validate then refuses `launch: paused` without a platform reason)
    "launch_paused": Capability((LaunchesPaused,), explain_absence=False),
    "check": Capability((ChecksRules,), explain_absence=False),  # platform rules checked at plan time
}


class PluginError(TypeError):
    """A provider plugin contradicts itself (a programming error in the plugin, found at import)."""


@dataclass(frozen=True)
class Capabilities:
    """What one platform can do through its API, and why not where it cannot: derived once from
    the session class's Protocols and the plugin's stated reasons, and read by every part of the
    engine (refresh, planner, applier, config checks)."""

    able: frozenset[str]
    reasons: Mapping[str, str]  # capability → why the platform lacks it
    adopt_by: AdoptBy = "key"  # how a live campaign with no state entry is recognised as ours
    # look the campaign up (find) right before each create: for platforms whose list may not show
    # every campaign (SessionM lists active ones; a permalink lookup is cheap)
    lookup_before_create: bool = False
    unique_names: bool = False  # the platform refuses a second campaign of the same name
    # adopt_by "key": the platform's field holding the workspace key (a state-only rename would break
    # the link; renaming the key changes this field, where the platform can update)
    key_field: str | None = None
    launch_switch: LaunchSwitch | None = None  # the fields of a paused-first launch ("launch_paused")

    @classmethod
    def of(cls, session: type, cannot: Mapping[str, str], **identity: Any) -> Capabilities:
        """Capabilities of `session` (a class); `cannot` must explain exactly what it lacks."""
        unknown = sorted(set(cannot) - set(CAPABILITIES))
        if unknown:
            raise PluginError(f"{session.__name__}: unknown capability {', '.join(unknown)} in `cannot` "
                              f"(known: {', '.join(CAPABILITIES)})")
        able = frozenset(name for name, capability in CAPABILITIES.items()
                         if any(issubclass(session, protocol) for protocol in capability.protocols))
        contradicted = sorted(name for name in cannot if name in able)
        if contradicted:
            raise PluginError(f"{session.__name__} implements {', '.join(contradicted)} but the plugin gives a "
                              "reason it cannot: drop the reason, or the method")
        unexplained = sorted(name for name, capability in CAPABILITIES.items()
                             if capability.explain_absence and name not in able and not cannot.get(name))
        if unexplained:
            raise PluginError(f"{session.__name__} cannot {', '.join(unexplained)}: say why in the plugin's "
                              "`cannot` (users see the reason), or implement "
                              + ", ".join(p.__name__ for n in unexplained for p in CAPABILITIES[n].protocols))
        if "launch_paused" in able:
            if "update" not in able:
                raise PluginError(f"{session.__name__}: launch_paused activates by an update: it needs Updates")
            identity["launch_switch"] = cast(type[LaunchesPaused], session).launch_switch()
        capabilities = cls(able, MappingProxyType(dict(cannot)), **identity)
        if capabilities.lookup_before_create and "find" not in able:
            raise PluginError(f"{session.__name__}: lookup_before_create needs find_campaign (Finds)")
        if capabilities.key_field and capabilities.adopt_by != "key":
            raise PluginError(f"{session.__name__}: key_field names where the key is written, which only "
                              "adopt_by 'key' does")
        return capabilities

    def can(self, name: str) -> bool:
        if name not in CAPABILITIES:
            raise KeyError(f"unknown capability {name!r}")
        return name in self.able

    def why_not(self, name: str) -> str:
        """The platform's reason it lacks `name` ("" when it has it or need not explain)."""
        return "" if self.can(name) else self.reasons.get(name, "")


class SessionFactory(Protocol[S_contra]):
    """How a plugin connects an instance: in practice its session class."""

    def __call__(self, settings: S_contra, context: HttpContext, /) -> ProviderSession: ...


@dataclass(frozen=True)
class ProviderPlugin(Generic[S]):
    """What a provider package exposes as `PROVIDER`, registered under the entry-point group
    `provisioner.providers`. Its `capabilities` are computed once, here, and a plugin whose stated
    reasons disagree with its session's methods fails at import."""

    name: str
    settings_model: type[S]
    campaign_model: type[CampaignModel]
    session: SessionFactory[S]  # the session class: (settings, HttpContext) -> session
    cannot: Mapping[str, str] = field(default_factory=dict)  # capability → why the platform lacks it
    adopt_by: AdoptBy = "key"
    lookup_before_create: bool = False
    unique_names: bool = False
    key_field: str | None = None  # adopt_by "key": the platform field the key is written to
    # `provisioner import`: a readable platform's live → config mapping (None: it cannot be imported), and
    # the text a key is made from where the platform keeps no key (default: the campaign's name)
    to_config: ToConfig | None = None
    import_label: Callable[[LiveCampaign], str] | None = None
    # the scope within which names must be unique (adopt_by "name" or unique_names), e.g. the advertiser
    name_scope: Callable[[S], str] = lambda settings: ""
    # How to recognise a campaign's twin: what identifies a live campaign to the platform's users
    # (Criteo: its name within the advertiser). Two live campaigns of one instance with the same
    # value are twins, and one not in state is reported as a possible duplicate of the managed one.
    # None (the default): the platform prevents twins itself, or nothing tells them apart.
    twin_identity: Callable[[LiveCampaign], Hashable | None] | None = None
    capabilities: Capabilities = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.session, type):
            raise PluginError(f"provider {self.name!r}: `session` must be the session class (its capabilities "
                              "are read from the Protocols it implements)")
        capabilities = Capabilities.of(self.session, self.cannot, adopt_by=self.adopt_by,
                                       lookup_before_create=self.lookup_before_create,
                                       unique_names=self.unique_names, key_field=self.key_field)
        object.__setattr__(self, "capabilities", capabilities)

    def connect(self, settings: S, context: HttpContext) -> ProviderSession:
        return self.session(settings, context)


# A plugin of any platform, as registries and workspaces hold them (each knows its own settings type).
AnyPlugin = ProviderPlugin[Any]
