"""The digests plans and state rely on keep their exact values across the switch to one helper:
each old formula is computed here on a fixed input and compared with what the code returns now."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from provisioner.canonical import content_hash
from provisioner.config.models import CachedCampaignConfig, _secret_fields
from provisioner.config.workspace import load_workspace
from provisioner.diff import canon, fingerprint
from provisioner.plans.planfile import _checksum
from provisioner.states.postgres import lock_key
from provisioner.states.state import ResourceState, State
from tests.test_planner import WORKSPACE

VALUE = {"b": [1, Decimal("2.50"), None], "a": {"z": "é", "y": True}, "when": "2030-03-01T00:00:00Z"}


def test_live_fingerprint_keeps_its_value() -> None:
    old = hashlib.sha256(json.dumps(canon(VALUE), sort_keys=True, default=str,
                                    separators=(",", ":")).encode()).hexdigest()[:16]
    assert fingerprint(VALUE) == old == "4de789204eb714ed"


def test_state_digest_keeps_its_value() -> None:
    state = State(resources={"k": ResourceState("k", "topsort", "topsort", id="1", attrs=dict(VALUE)),
                             "a": ResourceState("a", "criteo", "criteo", id="2", attrs={"name": "A"})})
    old = hashlib.sha256(json.dumps({k: r.to_dict() for k, r in sorted(state.resources.items())},
                                    sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()
    assert state.digest() == old


def test_config_digest_keeps_its_value(tmp_path: Path) -> None:
    (tmp_path / "ws.yaml").write_text(WORKSPACE)
    workspace = load_workspace([tmp_path], environ={})
    content = {
        "providers": {n: p.settings.model_dump(mode="json", exclude=_secret_fields(p.settings))
                      for n, p in sorted(workspace.providers.items())},
        "campaigns": {k: {"provider": c.instance, "desired": c.desired}
                      for k, c in sorted(workspace.campaigns.items())},
    }
    old = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    assert workspace.digest() == old


def test_plan_checksum_keeps_its_form() -> None:
    old = "sha256:" + hashlib.sha256(json.dumps(VALUE, sort_keys=True, separators=(",", ":"),
                                                default=str).encode()).hexdigest()
    assert _checksum(VALUE) == old == "sha256:" + content_hash(VALUE)
    assert old == "sha256:1065ad79432ea7b49f7ff6b0946ead969d1c4326aeeeaab9feda1dda81f4e516"


def test_postgres_advisory_lock_key_never_changes() -> None:
    """An old and a new version must take the same lock, or both could apply at once (issue 8)."""
    assert lock_key("default") == 7953128007597774428
    assert lock_key("acme/retail") == 6381905562912254017


def test_a_cold_load_caches_the_digest_the_old_formula_gives(tmp_path: Path) -> None:
    """The digest a cold load writes to the cache (computed once the line reader built the campaigns)
    is the old formula's; a warm load reads the same one back."""
    lines = ["providers:\n  topsort: {base_url: sandbox, vendor_id: v, currency: EUR}\ncampaigns:\n"]
    for number in range(40):
        lines.append(f"  t-{number}:\n    provider: topsort\n    name: Name {number % 7}\n"
                     f"    budget: {{amount: {1500 if number % 3 else 25}, type: daily}}\n"
                     f"    startDate: 2030-03-01T00:00:00Z\n    endDate: 2030-03-31T00:00:00Z\n"
                     + (f"    bids: [{{amount: 25, target: {{type: product, id: p_{number}}}}}]\n"
                        if number % 2 else ""))
    (tmp_path / "ws.yaml").write_text("".join(lines))
    cold = load_workspace([tmp_path], environ={})
    content = {
        "providers": {n: p.settings.model_dump(mode="json", exclude=_secret_fields(p.settings))
                      for n, p in sorted(cold.providers.items())},
        "campaigns": {k: {"provider": c.instance, "desired": c.desired} for k, c in sorted(cold.campaigns.items())},
    }
    old = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    assert cold.known_digest == old  # (written to the cache: the cold load computed it)
    warm = load_workspace([tmp_path], environ={})
    assert isinstance(next(iter(warm.campaigns.values())), CachedCampaignConfig)
    assert warm.digest() == old
