"""Load a workspace: YAML files merged, secrets resolved from the environment, every section
validated against its provider's models, and every problem reported with file, line and field."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from provisioner.config.cache import plain, read_cache, write_cache
from provisioner.config.marked import MarkedDict, YamlError  # the YAML parser loads only when a file is parsed
from provisioner.config.models import (
    ACTIVE,
    PAUSED,
    CachedCampaignConfig,
    CampaignConfig,
    ProviderInstance,
    StateSettings,
    Workspace,
)
from provisioner.config.secrets import ENV_REFERENCE, SecretReferenceError, is_secret_field, resolve_reference
from provisioner.config.sources import STATE_ENV, STATE_KEYS, collect_files, load_key, read_file, workspace_root
from provisioner.diagnostics import Diagnostic, SourceLocation
from provisioner.errors import ConfigError
from provisioner.providers.base import SANDBOX, AnyPlugin, MoneySettings
from provisioner.providers.registry import broken_reason, provider_names
from provisioner.providers.registry import plugin as registered_plugin

if TYPE_CHECKING:  # imported where a `policy:` section is read: most workspaces have none
    from provisioner.config.moved import Move
    from provisioner.policy import Policy

TOP_LEVEL = ("providers", "campaigns", "state", "moved", "ignore", "policy", "launch")
LAUNCHES = (ACTIVE, PAUSED)
# campaign keys that belong to the workspace, not the platform: removed before the platform's model
# validates the campaign, kept on CampaignConfig; `launch` is read on its own
CAMPAIGN_META = ("ignore", "protect", "adopt")
_META_KEYS = frozenset(CAMPAIGN_META)
UNRESOLVED = "unresolved-secret-reference"


def is_env_reference(value: object) -> bool:
    return isinstance(value, str) and bool(ENV_REFERENCE.match(value))
STATE_BACKENDS = ("local", "postgres")
# Keys become URL path segments and ids on the platforms (SessionM's permalink, Topsort's external
# id): "." and ".." (any key of dots only) would be resolved as path steps, so a key needs a letter,
# digit, '_' or '-' besides its dots.
KEY_PATTERN = re.compile(r"^(?!\.+$)[A-Za-z0-9._-]{1,64}$")
KEY_RULE = "must be 1-64 letters, digits, '.', '_' or '-', and not only dots"
# A file that may declare a section other than campaigns (a top-level key at the start of a line).
# Only the order of a streamed load depends on it: a section it misses sends the load down the whole path.
HEADER_NAMES = tuple(section.encode() for section in TOP_LEVEL if section != "campaigns")
HEADER_SECTION = re.compile(rb"(?m)^(?:%s)[ \t]*:" % b"|".join(HEADER_NAMES))


@functools.cache
def _unknown_top_level() -> Callable[[str, Iterable[str]], bool]:
    """ignore.unknown_top_level, imported where an `ignore:` list is read (most workspaces have none),
    once: a function-level import costs ~0.6 us per campaign that declares one."""
    from provisioner.ignore import unknown_top_level

    return unknown_top_level


def declares_other_sections(raw: bytes) -> bool:
    """Whether a file's text has a top-level key other than `campaigns` (what HEADER_SECTION finds),
    searched only where a line starts with one of their names: the regex alone tried every line
    start of every campaign file (0.16 s at 50,000 campaigns)."""
    return any(raw.startswith(name) or b"\n" + name in raw for name in HEADER_NAMES) and bool(
        HEADER_SECTION.search(raw))


class _Sections:
    """The workspace-wide sections the files declare, gathered file by file (both load paths). A
    plain class: a dataclass's generated methods cost a cold `validate` ~3 M instructions to make."""

    def __init__(self) -> None:
        self.providers: dict[str, tuple[Path, Any, int]] = {}  # (file, body, line) per name
        self.state: tuple[Path, MarkedDict] | None = None
        self.ignore: list[tuple[Path, Any, int]] = []
        self.moved: list[tuple[Path, MarkedDict]] = []
        self.singles: dict[str, tuple[Path, MarkedDict]] = {}  # policy, launch: one file each

    def take(self, file: Path, doc: MarkedDict) -> list[str]:
        """Note `doc`'s state, ignore, moved, policy and launch (providers merge apart: their errors
        come first); the names of those of policy and launch another file already declared."""
        if "state" in doc:
            self.state = (file, doc)
        if "ignore" in doc:
            self.ignore.append((file, doc["ignore"], doc.lines["ignore"]))
        if "moved" in doc:
            self.moved.append((file, doc))
        twice: list[str] = []
        for section in ("policy", "launch"):
            if section in doc and section in self.singles:
                twice.append(section)
            elif section in doc:
                self.singles[section] = (file, doc)
        return twice


class _Loader:
    """Accumulates diagnostics while building the Workspace."""

    def __init__(self, environ: Mapping[str, str] | None, require_secrets: bool = True) -> None:
        self.environ = environ
        self.require_secrets = require_secrets
        self.plugins: dict[str, AnyPlugin] = {}  # instance → plugin, even if its settings are bad
        self.diagnostics: list[Diagnostic] = []
        # the provider and state sections as written (references unresolved), for the cache
        self.raw_providers: dict[str, list[Any]] = {}
        self.raw_state: list[Any] | None = None
        self.cacheable = True
        self.file_names: dict[Path, str] = {}  # each file's name, shared by its campaigns' sources

    def error(self, summary: str, file: Path, line: int | None, field_path: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(summary, SourceLocation(str(file), line), field_path))

    def load(self, paths: list[Path]) -> Workspace:
        files = self._collect(paths)
        root = workspace_root(paths)
        contents = [(f, self._read(f)) for f in files]
        key = load_key(contents, self.environ, self.require_secrets)
        if not self.diagnostics:
            cached = read_cache(root, key)
            warm = self._from_cache(cached, root, files) if cached is not None else None
            if warm is not None:
                warm.loaded_from = key
                return warm
            self.diagnostics, self.plugins = [], {}  # anything the cache could not vouch for: load cold
        workspace = self._load_cold(root, files, contents)
        content = _cache_content(workspace, self.raw_providers, self.raw_state) if self.cacheable else None
        if content is not None:
            write_cache(root, key, content)
            workspace.known_digest = content["digest"]  # (computed for the cache just now)
        return workspace

    def _read(self, file: Path) -> bytes:
        data, problem = read_file(file)
        if problem is not None:
            self.error(*problem, None)
        return data

    def _from_cache(self, cached: dict[str, Any], root: Path, files: list[Path]) -> Workspace | None:
        """The workspace from the cache, provider and state settings resolved and validated now;
        None when anything does not check out (the caller then loads cold, reporting properly)."""
        try:
            workspace = Workspace(root=root, files=files)
            state = cached["state"]
            workspace.state = self._state(None if state is None else (Path(state[0]), _marked({"state": state[1]},
                                                                                              {"state": state[2]})),
                                          root)
            for name, (file, body, line, lines) in cached["providers"].items():
                instance = self._provider(name, Path(file), _marked(body, lines, line), line)
                if instance is None:
                    return None
                workspace.providers[name] = instance
            # the decoder makes a string per row for the instance and the file, which stay alive with
            # each campaign: the instance's own name and one string per file instead (7 MB at 50,000)
            file_names: dict[str, str] = {}
            for key, instance_name, plugin_name, file, line, desired in cached["campaigns"]:
                instance = workspace.providers.get(instance_name)
                if instance is None or instance.plugin.name != plugin_name:
                    return None
                source = SourceLocation(file_names.setdefault(file, file), line)
                workspace.campaigns[key] = CachedCampaignConfig(key, instance.name, instance.plugin.campaign_model,
                                                                desired, source)
            self._check_unique_names(workspace)
            self._check_currencies(workspace)
            self._check_launches(workspace, None)
            if not isinstance(cached["digest"], str):
                return None
            workspace.known_digest = cached["digest"]
        except (KeyError, TypeError, ValueError):
            return None  # a corrupt or foreign cache file
        if self.diagnostics:
            return None
        self.raw_providers, self.raw_state = cached["providers"], cached["state"]
        return workspace

    def _load_cold(self, root: Path, files: list[Path], contents: list[tuple[Path, bytes]]) -> Workspace:
        if not self.diagnostics:
            streamed = self._load_streamed(root, files, contents)
            if streamed is not None:
                return streamed
            # something to report: the whole load again, which reports every problem in its order
            self.diagnostics, self.plugins, self.raw_providers, self.raw_state = [], {}, {}, None
            self.cacheable = True
        return self._load_whole(root, files, contents)

    def _load_streamed(self, root: Path, files: list[Path], contents: list[tuple[Path, bytes]]) -> Workspace | None:
        """A valid workspace loaded file by file: each campaign file's YAML tree and line marks are
        freed once its campaigns are validated, instead of every file's at once (241 MB of trees at
        50,000 campaigns). Files that declare other sections (providers, state, ...) are read first,
        so their settings are known when the campaign files stream. None at the first problem (or a
        layout this order cannot take): the caller then loads the whole workspace as one, which
        reports every problem exactly as it always did."""
        header_files = [index for index, (_, raw) in enumerate(contents) if declares_other_sections(raw)]
        order = header_files + sorted(set(range(len(contents))) - set(header_files))
        workspace = Workspace(root=root, files=files)
        sections = _Sections()
        declared: dict[str, int] = {}  # campaign key → index of its file (a key declared twice: reported)
        campaigns: list[list[CampaignConfig]] = [[] for _ in files]
        waiting: list[tuple[int, Path, Any]] = []  # campaign sections read before the headers were
        settled = not header_files
        if settled:
            self._settle(workspace, root, sections)
        for position, index in enumerate(order):
            file, raw = contents[index]
            doc = self._parse(file, raw)
            if self.diagnostics:
                return None
            if doc is None:
                pass
            elif not settled:
                self.cacheable = self.cacheable and not set(doc) - {"providers", "campaigns", "state"}
                self._merge(file, doc, "providers", sections.providers)
                if sections.take(file, doc):
                    return None  # a section declared twice: reported by the whole load
                if "campaigns" in doc:
                    waiting.append((index, file, doc.pop("campaigns")))
            elif set(doc) != {"campaigns"}:
                return None  # a section the header scan did not see (e.g. a quoted key): the whole load
            else:
                waiting.append((index, file, doc.pop("campaigns")))
            del doc
            if self.diagnostics:
                return None
            if not settled and position == len(header_files) - 1:
                settled = True
                self._settle(workspace, root, sections)
                if self.diagnostics:
                    return None
            if settled:
                for found in waiting:
                    if not self._stream_campaigns(found, workspace, sections.providers, declared, campaigns):
                        return None
                waiting.clear()
        for of_file in campaigns:
            for campaign in of_file:
                workspace.campaigns[campaign.key] = campaign
        self._finish(workspace, sections, declared)
        return None if self.diagnostics else workspace

    def _stream_campaigns(self, section: tuple[int, Path, Any], workspace: Workspace,
                          provider_docs: dict[str, Any], declared: dict[str, int],
                          campaigns: list[list[CampaignConfig]]) -> bool:
        """Validate one file's `campaigns:` section into `campaigns`; False at the first problem."""
        index, file, body = section
        if not isinstance(body, MarkedDict):
            return False
        for key, value in body.items():
            if key in declared:
                return False
            declared[key] = index
            campaign = self._campaign(key, file, value, body.lines[key], workspace, provider_docs)
            if campaign is None or self.diagnostics:
                return False
            campaigns[index].append(campaign)
        return True

    def _load_whole(self, root: Path, files: list[Path], contents: list[tuple[Path, bytes]]) -> Workspace:
        workspace = Workspace(root=root, files=files)
        documents = [(f, doc) for f, raw in contents if (doc := self._parse(f, raw)) is not None]
        campaign_docs: dict[str, tuple[Path, Any, int]] = {}
        sections = _Sections()
        for file, doc in documents:
            # only workspaces of providers, campaigns and state are cached (the other sections and
            # campaign meta-fields are few, and a cold load handles them)
            self.cacheable = self.cacheable and not set(doc) - {"providers", "campaigns", "state"}
            self._merge(file, doc, "providers", sections.providers)
            self._merge(file, doc, "campaigns", campaign_docs)
            for section in sections.take(file, doc):
                self.error(f"{section} is declared twice (also in {sections.singles[section][0]})", file,
                           doc.lines[section], section)
        self._settle(workspace, root, sections)
        for key, (file, body, line) in campaign_docs.items():
            campaign = self._campaign(key, file, body, line, workspace, sections.providers)
            if campaign:
                workspace.campaigns[key] = campaign
        self._finish(workspace, sections, campaign_docs)
        if self.diagnostics:
            raise ConfigError(self.diagnostics)
        return workspace

    def _settle(self, workspace: Workspace, root: Path, sections: _Sections) -> None:
        """The sections campaigns depend on: state, policy, the default launch and the providers."""
        state_doc, singles = sections.state, sections.singles
        workspace.state = self._state(state_doc, root)
        if state_doc is not None:
            self.raw_state = [str(state_doc[0]), plain(state_doc[1]["state"]), state_doc[1].lines["state"]]
        workspace.policy = self._policy(singles.get("policy"))
        if "launch" in singles:
            file, doc = singles["launch"]
            workspace.launch = self._launch(doc["launch"], file, doc.lines["launch"], "launch") or ACTIVE
        for name, (file, body, line) in sections.providers.items():
            instance = self._provider(name, file, body, line)
            if instance:
                workspace.providers[name] = instance
                self.raw_providers[name] = [str(file), plain(body), line, dict(body.lines)]

    def _finish(self, workspace: Workspace, sections: _Sections, campaign_keys: Mapping[str, Any]) -> None:
        """What is checked once every campaign is loaded: ignore rules, names, moves, currencies, launches."""
        every_field = sorted({f for plugin in self.plugins.values() for f in _field_names(plugin.campaign_model, 1)})
        workspace.ignore = tuple(p for file, body, line in sections.ignore
                                 for p in self._ignore(body, file, line, "ignore", every_field))
        self._check_unique_names(workspace)
        workspace.moved = self._moved(sections.moved, campaign_keys)
        self._check_currencies(workspace)
        self._check_launches(workspace, sections.singles.get("launch"))

    def _moved(self, documents: list[tuple[Path, MarkedDict]], campaign_docs: Mapping[str, Any]) -> list[Move]:
        """The `moved:` sections: [{from: OLD, to: NEW}], where NEW is a declared campaign and OLD
        is not (its campaign is now declared as NEW); a key moves at most once."""
        if not documents:
            return []
        from provisioner.config.moved import Move  # most workspaces move nothing

        moves: list[Move] = []
        olds: dict[str, Move] = {}
        news: dict[str, Move] = {}
        shape = "moved takes a list of {from: OLD_KEY, to: NEW_KEY}"
        for file, doc in documents:
            body = doc["moved"]
            if not isinstance(body, list):
                self.error(shape, file, doc.lines["moved"], "moved")
                continue
            for index, item in enumerate(body):
                where = f"moved[{index}]"
                line = item.line if isinstance(item, MarkedDict) else doc.lines["moved"]
                if not isinstance(item, dict) or set(item) != {"from", "to"}:
                    self.error(shape, file, line, where)
                    continue
                old, new = item["from"], item["to"]
                bad = [(name, value) for name, value in (("from", old), ("to", new))
                       if not isinstance(value, str) or not KEY_PATTERN.match(value)]
                for name, value in bad:
                    self.error(f"campaign key {value!r} {KEY_RULE}", file, line, f"{where}.{name}")
                if bad:
                    continue
                move = Move(old, new, SourceLocation(str(file), line))
                if new not in campaign_docs:
                    self.error(f"{new!r} is not a campaign declared under campaigns: (rename the campaign "
                               "there, then say where it came from here)", file, line, f"{where}.to")
                elif old in campaign_docs:
                    self.error(f"{old!r} is still declared under campaigns:; a moved campaign is declared "
                               "under its new key only", file, line, f"{where}.from")
                elif old in olds or new in news:
                    first = olds.get(old) or news[new]
                    self.error(f"a key moves at most once (see {first.source.file}:{first.source.line})",
                               file, line, where)
                else:
                    olds[old] = news[new] = move
                    moves.append(move)
        return moves

    def _collect(self, paths: list[Path]) -> list[Path]:
        files, problems = collect_files(paths)
        for summary, path in problems:
            self.error(summary, path, None)
        if self.diagnostics:
            raise ConfigError(self.diagnostics)
        return files

    def _parse(self, file: Path, raw: bytes) -> MarkedDict | None:
        from provisioner.config.yamlmarks import load_yaml_text

        try:
            doc = load_yaml_text(raw)
        except YamlError as error:
            self.error(str(error), file, error.line)
            return None
        if doc is None:
            return None
        if not isinstance(doc, MarkedDict):
            self.error("the top level must be a mapping (providers:, campaigns:, state:)", file, 1)
            return None
        for key in doc:
            if key not in TOP_LEVEL:
                self.error(f"unknown section {key!r}{_did_you_mean(key, TOP_LEVEL)}", file, doc.lines[key], str(key))
        return doc

    def _merge(self, file: Path, doc: MarkedDict, section: str, into: dict[str, Any]) -> None:
        body = doc.get(section)
        if body is None:
            return
        if not isinstance(body, MarkedDict):
            self.error(f"'{section}' must be a mapping of name → settings", file, doc.lines[section], section)
            return
        for name, value in body.items():
            line = body.lines[name]
            if name in into:
                first_file, *_ = into[name]
                self.error(f"{section[:-1]} {name!r} is declared twice (also in {first_file})", file, line,
                           f"{section}.{name}")
                continue
            into[name] = (file, value, line)

    def _state(self, found: tuple[Path, MarkedDict] | None, root: Path) -> StateSettings:
        """The `state:` section, then the PROVISIONER_STATE_* overrides from the environment."""
        environ = os.environ if self.environ is None else self.environ
        file, line, body = Path("(environment)"), None, {}
        if found is not None:
            file, doc = found
            line, body = doc.lines["state"], doc["state"]
            if not isinstance(body, dict) or set(body) - set(STATE_KEYS):
                self.error("state takes {backend: local|postgres, path: DIR, dsn: ${env:NAME}, workspace: NAME}",
                           file, line, "state")
                return StateSettings()
        yaml_backend = body.get("backend", "local")
        if yaml_backend == "local" and ({"dsn", "workspace"} & set(body)):
            self.error("dsn and workspace need `backend: postgres`", file, line, "state.backend")
        backend = environ.get(STATE_ENV["backend"]) or yaml_backend
        if backend not in STATE_BACKENDS:
            self.error(f"unknown state backend {backend!r}{_did_you_mean(backend, STATE_BACKENDS)} "
                       f"(known: {', '.join(STATE_BACKENDS)})", file, line, "state.backend")
            backend = "local"
        settings = StateSettings(backend, str(body.get("path", ".provisioner")))
        if backend == "postgres":
            settings.dsn = self._state_dsn(body, environ, file, line)
            settings.workspace = str(environ.get(STATE_ENV["workspace"]) or body.get("workspace")
                                     or root.resolve().name)
            if not KEY_PATTERN.match(settings.workspace):
                self.error(f"state workspace {settings.workspace!r} {KEY_RULE}",
                           file, line, "state.workspace")
        return settings

    def _state_dsn(self, body: dict[str, Any], environ: Mapping[str, str], file: Path,
                   line: int | None) -> str | None:
        if environ.get(STATE_ENV["dsn"]):
            return environ[STATE_ENV["dsn"]]
        if "dsn" not in body:
            self.error(f"the postgres state backend needs dsn: ${{env:NAME}} (or {STATE_ENV['dsn']} set)",
                       file, line, "state.dsn")
            return None
        try:
            return str(resolve_reference(body["dsn"], "dsn", environ, secret=True))
        except SecretReferenceError as error:
            self.error(str(error), file, line, "state.dsn")
            return None

    def _provider(self, name: str, file: Path, body: Any, line: int) -> ProviderInstance | None:
        where = f"providers.{name}"
        if not isinstance(body, MarkedDict):
            self.error("provider settings must be a mapping", file, line, where)
            return None
        type_name = body.get("type", name)
        plugin = registered_plugin(type_name) if isinstance(type_name, str) else None
        failure = broken_reason(type_name) if isinstance(type_name, str) else None
        if plugin is None and failure is not None:
            self.error(f"provider plugin {type_name!r} failed to load: {failure}",
                       file, body.lines.get("type", line), where)
            return None
        if plugin is None:
            known = [name for name in provider_names() if broken_reason(name) is None]
            self.error(f"unknown provider type {type_name!r}{_did_you_mean(type_name, known)} "
                       f"(known: {', '.join(known)}; name an instance freely and set type:)",
                       file, body.lines.get("type", line), where)
            return None
        self.plugins[name] = plugin
        ignore = self._ignore(body.get("ignore"), file, body.lines.get("ignore", line), f"{where}.ignore",
                              _field_names(plugin.campaign_model, 1))
        values = {k: v for k, v in body.items() if k != "ignore"}
        values["type"] = type_name
        sandbox = values.get("base_url") == SANDBOX
        for key, value in body.items():
            if key == "ignore":
                continue
            secret = is_secret_field(str(key))
            try:
                values[key] = resolve_reference(value, str(key), self.environ, secret=secret)
            except SecretReferenceError as error:
                if not self.require_secrets and is_env_reference(value):
                    values[key] = UNRESOLVED  # `validate --skip-secrets`: the reference is well-formed
                    continue
                self.error(str(error), file, body.lines[key], f"{where}.{key}")
                values.pop(key)
        if sandbox:
            for credential in plugin.settings_model.credentials:
                values.setdefault(credential, SANDBOX)  # the sandbox accepts any credentials
        try:
            settings = plugin.settings_model.model_validate(values)
        except ValidationError as error:
            self._pydantic(error, file, body, where, plugin.settings_model)
            return None
        return ProviderInstance(name, plugin, settings, SourceLocation(str(file), line), ignore=ignore)

    def _campaign(self, key: Any, file: Path, body: Any, line: int, workspace: Workspace,
                  provider_docs: dict[str, Any]) -> CampaignConfig | None:
        where = f"campaigns.{key}"
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            self.error(f"campaign key {key!r} {KEY_RULE}", file, line, where)
            return None
        if not isinstance(body, MarkedDict):
            self.error("a campaign must be a mapping of fields", file, line, where)
            return None
        instance_name = body.get("provider")
        if instance_name is None:
            self.error("missing 'provider' (the provider instance this campaign belongs to)", file, line, where)
            return None
        instance = workspace.providers.get(instance_name)
        plugin = instance.plugin if instance else self.plugins.get(instance_name)
        if plugin is None:
            if instance_name not in provider_docs:  # else its own error was already reported
                self.error(f"no provider instance {instance_name!r}"
                           f"{_did_you_mean(instance_name, list(provider_docs))}",
                           file, body.lines["provider"], f"{where}.provider")
            return None
        if "launch" in body or not _META_KEYS.isdisjoint(body):
            fields = {k: v for k, v in body.items() if k not in ("provider", "launch") and k not in CAMPAIGN_META}
        else:  # (the usual campaign: the same mapping, copied in C)
            fields = dict(body)
            del fields["provider"]
        launch = self._launch(body["launch"], file, body.lines["launch"], f"{where}.launch") if "launch" in body \
            else None
        model = plugin.campaign_model
        ignore = self._ignore(body.get("ignore"), file, body.lines.get("ignore", line), f"{where}.ignore",
                              _field_names(model, 1))
        flags = {name: self._flag(body, name, file, where) for name in ("protect", "adopt")}
        try:
            validated = model.model_validate(fields)
        except ValidationError as error:
            self._pydantic(error, file, body, where, model)
            return None
        if instance is None:
            return None  # checked against its platform's rules; its provider's own error is reported
        # kept for the run: the declared values, not the model (as a warm load keeps them); the
        # instance's own name and one string per file, not a copy per campaign
        campaign = CampaignConfig(key, instance.name, model, validated.declared(),
                                  SourceLocation(self._file_name(file), line), launch or workspace.launch,
                                  ignore=ignore, protect=flags["protect"], adopt=flags["adopt"])
        if launch is not None:
            campaign.source_of_launch = SourceLocation(str(file), body.lines["launch"])
        return campaign

    def _file_name(self, file: Path) -> str:
        return self.file_names.setdefault(file, str(file))

    def _launch(self, value: Any, file: Path, line: int | None, where: str) -> str | None:
        if value not in LAUNCHES:
            self.error(f"launch must be {' or '.join(LAUNCHES)}, not {value!r}", file, line, where)
            return None
        return str(value)

    def _policy(self, found: tuple[Path, MarkedDict] | None) -> Policy | None:
        if found is None:
            return None
        file, doc = found
        body = doc["policy"]
        if not isinstance(body, MarkedDict):
            self.error("policy must be a mapping of rules (allowed_currencies, max_campaign_budget, ...)", file,
                       doc.lines["policy"], "policy")
            return None
        from provisioner.policy import Policy

        try:
            return Policy.model_validate(dict(body))
        except ValidationError as error:
            self._pydantic(error, file, body, "policy", Policy)
            return None

    def _flag(self, body: MarkedDict, name: str, file: Path, where: str) -> bool:
        value = body.get(name, False)
        if not isinstance(value, bool):
            self.error(f"{name} must be true or false", file, body.lines.get(name), f"{where}.{name}")
            return False
        return value

    def _ignore(self, value: Any, file: Path, line: int | None, where: str, fields: list[str]) -> tuple[str, ...]:
        """An `ignore:` list of field paths; a first segment that names no field is an error (a typo
        would otherwise silently ignore nothing)."""
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
            self.error("ignore must be a list of field paths, e.g. [budget.amount, campaignFieldValues.*]",
                       file, line, where)
            return ()
        unknown_top_level = _unknown_top_level()
        for pattern in value:
            if unknown_top_level(pattern, fields):
                head = pattern.split(".", 1)[0]
                self.error(f"{pattern!r} names no field: {head!r} is unknown{_did_you_mean(head, fields)}",
                           file, line, where)
        return tuple(value)

    def _pydantic(self, error: ValidationError, file: Path, body: MarkedDict, where: str,
                  model: type[BaseModel]) -> None:
        reported = {d.field for d in self.diagnostics}
        for item in error.errors():
            loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            loc = loc or _field_named_in(item["msg"], body)
            path = ".".join([where, *map(str, loc)]) if loc else where
            if path in reported:
                continue  # already explained (e.g. a secret that is not an ${env:} reference)
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden" and loc:
                message = f"unknown field {loc[-1]!r}{_did_you_mean(str(loc[-1]), _field_names(model))}"
            elif item["type"] == "missing":
                message = "required field is missing"
            from provisioner.config.yamlmarks import line_of

            line = line_of(body, loc)
            if _expects_text(item):
                message += _yaml_typed(_value_at(body, loc), file, line, loc[-1] if loc else None)
            self.error(message, file, line, path)

    def _check_unique_names(self, workspace: Workspace) -> None:
        seen: dict[tuple[str, str, str], str] = {}
        for campaign in workspace.campaigns.values():
            instance = workspace.providers[campaign.instance]
            capabilities = instance.plugin.capabilities
            if capabilities.adopt_by != "name" and not capabilities.unique_names:
                continue
            name = campaign.desired.get("name")
            scope = (instance.plugin.name, instance.plugin.name_scope(instance.settings), str(name))
            if scope in seen:
                why = ("campaigns with no state entry are matched by name" if capabilities.adopt_by == "name"
                       else "the platform refuses duplicate names")
                self.error(f"name {name!r} is also used by campaign {seen[scope]!r}: {why}, so "
                           f"{instance.plugin.name} names must be unique per account",
                           Path(campaign.source.file), campaign.source.line, f"campaigns.{campaign.key}.name")
            else:
                seen[scope] = campaign.key


    def _check_currencies(self, workspace: Workspace) -> None:
        """No API says which currency an account uses: an instance whose campaigns carry money
        declares it, or the spend summary would have to guess."""
        for name, instance in sorted(workspace.providers.items()):
            settings = instance.settings
            if not isinstance(settings, MoneySettings) or settings.currency is not None:
                continue
            paying = [c.key for c in workspace.campaigns_of(name)
                      if c.model_type.commitments(c.desired, None)]
            if paying:
                self.error(f"campaigns of this instance carry money ({', '.join(sorted(paying)[:3])}"
                           f"{', …' if len(paying) > 3 else ''}): declare the account's currency as an ISO 4217 "
                           "code, e.g. `currency: EUR` (no platform API says which currency an account uses)",
                           Path(instance.source.file), instance.source.line, f"providers.{name}.currency")

    def _check_launches(self, workspace: Workspace, default: tuple[Path, MarkedDict] | None) -> None:
        """`launch: paused` only where the platform can create a campaign switched off (a capability)."""
        for campaign in sorted(workspace.campaigns.values(), key=lambda c: c.key):
            if campaign.launch != PAUSED:
                continue
            plugin = workspace.providers[campaign.instance].plugin
            if plugin.capabilities.can("launch_paused"):
                continue
            why = (plugin.capabilities.why_not("launch_paused")
                   or "its provider plugin does not implement LaunchesPaused")
            own = campaign.source_of_launch
            where = "" if own else (f" (the workspace's `launch: paused`, {default[0]}:{default[1].lines['launch']})"
                                    if default else "")
            self.error(f"{plugin.name} cannot launch a campaign paused{where}: {why}; set `launch: active` on "
                       "this campaign to create it live", Path(own.file if own else campaign.source.file),
                       own.line if own else campaign.source.line, f"campaigns.{campaign.key}.launch")


def _marked(body: dict[str, Any], lines: dict[str, int], line: int = 1) -> MarkedDict:
    """A cached section as the loader's parse would hand it over (top-level lines only: any error
    found in it sends the load down the cold path, which reports with every line)."""
    marked = MarkedDict(body)
    marked.lines, marked.line = dict(lines), line
    return marked


def _cache_content(workspace: Workspace, raw_providers: dict[str, list[Any]],
                   raw_state: list[Any] | None) -> dict[str, Any] | None:
    """What the cache keeps: sections as written and each campaign's validated declared values
    (None: not cacheable, when a model does not validate back from its declared values)."""
    campaigns = [[c.key, c.instance, workspace.providers[c.instance].plugin.name, c.source.file, c.source.line,
                  c.desired] for c in workspace.campaigns.values()]
    if any(c.meta() or c.launch != ACTIVE or c.source_of_launch for c in workspace.campaigns.values()) or any(
            p.ignore for p in workspace.providers.values()):
        return None  # campaign meta-fields and ignore rules are not cached: a cold load handles them
    checked: set[type[Any]] = set()
    for campaign in workspace.campaigns.values():  # one campaign per model: the lazy model's round trip
        if campaign.model_type not in checked:
            checked.add(campaign.model_type)
            if campaign.model_type.model_validate(campaign.desired).declared() != campaign.desired:
                return None
    # the config digest: a function of what the cache key covers (files, referenced values, program)
    return {"providers": raw_providers, "state": raw_state, "campaigns": campaigns, "digest": workspace.digest()}


def _expects_text(item: Any) -> bool:
    """pydantic wanted text (a string, or one of quoted choices): a bool, number or date given
    there is YAML's typing of what the user meant as text."""
    if item["type"] == "string_type":
        return True
    return item["type"] in ("literal_error", "enum") and "'" in str(item.get("ctx", {}).get("expected", ""))


def _value_at(document: Any, path: tuple[Any, ...]) -> Any:
    """The YAML value at a pydantic error's location (None where the path leaves the document)."""
    node = document
    for part in path:
        found = ((isinstance(node, dict) and part in node)
                 or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)))
        if not found:
            return None
        node = node[part]
    return node


def _yaml_typed(value: Any, file: Path, line: int | None, field: object) -> str:
    """Why a value meant as text is not text, when YAML's own typing is the cause: YAML 1.1 reads
    unquoted yes/no/on/off as booleans, digits as numbers, 2030-01-01 as a date."""
    kind = ("a boolean" if isinstance(value, bool) else "a number" if isinstance(value, (int, float))
            else "a date" if isinstance(value, (date, datetime)) else None)
    if kind is None:
        return ""
    key = field if isinstance(field, str) else None  # None: an item of a list
    written = (key and _written(file, line, key)) or _yaml_text(value)
    parsed = _yaml_text(value)
    as_read = f" ({parsed})" if parsed != written else ""
    quoted = f'{key}: "{written}"' if key else f'"{written}"'
    return f" — YAML read the unquoted {written} as {kind}{as_read}: quote it, {quoted}"


def _written(file: Path, line: int | None, field: str) -> str | None:
    """The value as the user typed it on `line` (`field: VALUE`, block or flow style)."""
    if line is None:
        return None
    try:
        source = file.read_text("utf-8").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return None
    found = re.search(rf"(?:^|[\s{{,\-]){re.escape(field)}\s*:\s+([^,}}\]#\s][^,}}\]#]*)", source)
    return found.group(1).strip() if found else None


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _field_named_in(message: str, body: Any) -> tuple[str, ...]:
    """A cross-field rule has no location; point at the first field its message names
    ("endDate must be after startDate" → endDate), so the error still has a useful line."""
    if not isinstance(body, MarkedDict):
        return ()
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", message):
        if word in body:
            return (word,)
    return ()


def _field_names(model: type[BaseModel], depth: int | None = None) -> list[str]:
    """Every field name reachable from `model` (or its first `depth` levels), for "did you mean"
    suggestions and `ignore:` paths."""
    return list(_field_names_of(model, depth))  # a copy: callers own their list


@functools.lru_cache(maxsize=256)  # per model class: every campaign of a provider asks the same
def _field_names_of(model: type[BaseModel], depth: int | None) -> tuple[str, ...]:
    names: set[str] = set()
    stack: list[tuple[Any, int]] = [(model, 1)]
    seen: set[Any] = set()
    while stack:
        current, level = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            names.add(info.alias or name)
            if depth is None or level < depth:
                stack.extend((candidate, level + 1) for candidate in _model_types(info.annotation))
    return tuple(sorted(names))


def _model_types(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _model_types(arg)]


def _did_you_mean(word: Any, candidates: Any) -> str:
    import difflib  # only an invalid workspace needs it

    matches = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def load_workspace(paths: Sequence[str | Path], environ: Mapping[str, str] | None = None,
                   require_secrets: bool = True) -> Workspace:
    """Read, merge and validate a workspace; raises ConfigError with every problem found.

    `require_secrets=False` accepts well-formed `${env:NAME}` references whose variable is unset
    (validation in CI jobs that have no secrets, e.g. pull requests from forks); such a workspace
    must never be used to talk to a platform.
    """
    return _Loader(environ, require_secrets).load([Path(p) for p in paths])
