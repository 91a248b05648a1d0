"""Targeter partner state: issued tokens and campaign sources keyed by reference_id, no HTTP.

The platform's only campaign operation is create-or-retrieve, so nothing here can be read back
over the API; `campaigns()` and `campaign()` exist for tests and sandbox tooling only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

TOKENS = "tokens"
CAMPAIGNS = "campaigns"
SETTINGS = "settings"
COUNTERS = "counters"
TOKEN_LIFETIME = 3600
CREATION_MODES = ("automatic", "prefilled")
DEFAULT_CREATION_MODE = "automatic"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hashed_id(seed: str, length: int = 10) -> str:
    """A short base62 id like the app's hashids (`AbC123xyz`); deterministic so runs replay."""
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:12], "big")
    chars: list[str] = []
    while number and len(chars) < length:
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


class TargeterBackend:
    """One client's Targeter tenant (`https://{client_slug}.targeter.tech`)."""

    def __init__(self, store: Any, clock: Callable[[], float], client_slug: str) -> None:
        self.store = store
        self.clock = clock
        self.client_slug = client_slug

    # -- auth ---------------------------------------------------------------------------
    def issue_token(self, api_key: str) -> dict[str, Any]:
        """A JWT-shaped opaque token; only the store decides whether it is valid."""
        now = int(self.clock())
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = _b64url(json.dumps({"sub": api_key, "iat": now, "exp": now + TOKEN_LIFETIME}).encode())
        token = f"{header}.{claims}.{_b64url(secrets.token_bytes(32))}"
        self.store.put(TOKENS, token, {"api_key": api_key, "expires_at": now + TOKEN_LIFETIME})
        return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}

    def token_is_valid(self, token: str) -> bool:
        record = self.store.get(TOKENS, token)
        return record is not None and self.clock() < record["expires_at"]

    # -- creation mode (sandbox setting, persisted) -------------------------------------
    def set_creation_mode(self, mode: str, reference_id: str | None = None) -> None:
        """Which 201 form new campaigns get: for every reference_id, or for one only."""
        if mode not in CREATION_MODES:
            raise ValueError(f"creation_mode must be one of {CREATION_MODES}, not {mode!r}")
        self.store.put(SETTINGS, f"creation_mode:{reference_id}" if reference_id else "creation_mode", mode)

    def creation_mode(self, reference_id: str | None = None) -> str:
        if reference_id is not None:
            rule = self.store.get(SETTINGS, f"creation_mode:{reference_id}")
            if rule:
                return str(rule)
        return self.store.get(SETTINGS, "creation_mode") or DEFAULT_CREATION_MODE

    # -- campaigns ------------------------------------------------------------------------
    def create_or_retrieve(self, source: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body): 200 + campaign_link when reference_id is known, else store and 201."""
        existing = self.campaign(source["reference_id"])
        if existing is not None:
            # A repeat never changes the stored source: name/material/target_url are ignored.
            return 200, {"campaign_link": self._link(existing["campaign_id"])}
        campaign = self._new_campaign(source)
        self.store.put(CAMPAIGNS, campaign["reference_id"], campaign)
        if campaign["creation_mode"] == "automatic":
            return 201, {"ad_creation_link": f"{self._base()}/campaigns/{campaign['campaign_id']}/ads/create",
                         "campaign_id": campaign["campaign_id"]}
        source_id = quote(campaign["reference_id"], safe="")
        return 201, {"campaign_link": f"{self._base()}/campaigns?create=true&source_id={source_id}"}

    def campaigns(self) -> list[dict[str, Any]]:
        return sorted(self.store.values(CAMPAIGNS), key=lambda c: c["sequence"])

    def campaign(self, key: str) -> dict[str, Any] | None:
        """By reference_id, or by the hashed campaign_id."""
        found = self.store.get(CAMPAIGNS, key)
        return found or next((c for c in self.store.values(CAMPAIGNS) if c["campaign_id"] == key), None)

    def ui_edit(self, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A person editing the campaign in the Targeter app; reference_id and campaign_id stay fixed."""
        campaign = self.campaign(object_id)
        if campaign is None:
            raise KeyError(f"targeter: no campaign {object_id!r}")
        updated = {**campaign, **changes}
        for fixed in ("reference_id", "campaign_id", "sequence", "creation_mode"):
            updated[fixed] = campaign[fixed]
        self.store.put(CAMPAIGNS, updated["reference_id"], updated)
        return updated

    def _new_campaign(self, source: dict[str, Any]) -> dict[str, Any]:
        sequence = (self.store.get(COUNTERS, "campaign") or 0) + 1
        self.store.put(COUNTERS, "campaign", sequence)
        return {
            "reference_id": source["reference_id"],
            "campaign_id": hashed_id(f"{self.client_slug}:{sequence}"),
            "name": source["name"],
            "material": list(source["material"]),
            "target_url": source["target_url"],
            "creation_mode": self.creation_mode(source["reference_id"]),
            "sequence": sequence,
            "created_at": int(self.clock()),
        }

    def _base(self) -> str:
        return f"https://{self.client_slug}.targeter.tech"

    def _link(self, campaign_id: str) -> str:
        return f"{self._base()}/campaigns/{campaign_id}"
