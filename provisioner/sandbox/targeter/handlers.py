"""Targeter requests: token login, Bearer check, `source` validation (zod-like details), backend call."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from provisioner.sandbox.core import PlatformError, PlatformRequest, PlatformResponse
from provisioner.sandbox.targeter.backend import TargeterBackend

UNAUTHORIZED = {"error": "Unauthorized - Invalid or expired token"}
FIELDS = {"material": "Material", "name": "Name", "reference_id": "Reference ID", "target_url": "Target URL"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")

Issue = tuple[list[Any], str, bool]  # (path, message, is_missing)


def is_uri(value: Any) -> bool:
    """An absolute URI: a scheme, then an authority (required for http/https) or a path; no spaces."""
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not _SCHEME.fullmatch(parts.scheme):
        return False
    return bool(parts.netloc) if parts.scheme.lower() in ("http", "https") else bool(parts.netloc or parts.path)


def _field_issues(name: str, value: Any) -> list[Issue]:
    path: list[Any] = ["source", name]
    if value is None:
        return [(path, f"{FIELDS[name]} is required", True)]
    if name == "material":
        if not isinstance(value, list) or not value:
            return [(path, "At least one material URL is required", False)]
        return [([*path, i], "Invalid url", False) for i, item in enumerate(value) if not is_uri(item)]
    if not isinstance(value, str):
        return [(path, "Expected string", False)]
    if name == "target_url" and not is_uri(value):
        return [(path, "Invalid url", False)]
    if not value.strip():
        return [(path, f"{FIELDS[name]} is required", False)]
    return []


def validate_source(body: Any) -> dict[str, Any]:
    """The `source` object, or a 400 listing every problem in `details`."""
    source = body.get("source") if isinstance(body, dict) else None
    if not isinstance(source, dict):
        issues: list[Issue] = [(["source"], "Source is required", True)]
    else:
        issues = [issue for name in FIELDS for issue in _field_issues(name, source.get(name))]
    if not issues and isinstance(source, dict):
        return source
    issues.sort(key=lambda issue: not issue[2])  # a missing field names the error, as in the docs
    path, _, missing = issues[0]
    dotted = ".".join(str(part) for part in path)
    summary = f"Missing required field: {dotted}" if missing else f"Invalid field: {dotted}"
    details = [{"path": path, "message": message} for path, message, _ in issues]
    raise PlatformError(400, {"error": summary, "details": details})


class TargeterHandlers:
    def __init__(self, backend: TargeterBackend) -> None:
        self.backend = backend

    def token(self, request: PlatformRequest) -> PlatformResponse:
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("api_key", "api_secret")):
            raise PlatformError(400, {"error": "Invalid request body"})
        # The sandbox knows no partner registry: any non-empty key and secret are "issued" ones.
        if not body["api_key"].strip() or not body["api_secret"].strip():
            raise PlatformError(401, {"error": "Invalid API credentials"})
        return PlatformResponse(200, self.backend.issue_token(body["api_key"]))

    def campaign(self, request: PlatformRequest) -> PlatformResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.backend.token_is_valid(token.strip()):
            raise PlatformError(401, UNAUTHORIZED)
        try:
            body = request.json()
        except ValueError:
            raise PlatformError(400, {"error": "Invalid request body"}) from None
        status, answer = self.backend.create_or_retrieve(validate_source(body))
        return PlatformResponse(status, answer)
