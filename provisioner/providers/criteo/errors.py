"""Criteo's envelope: every answer carries errors[] and warnings[] of CommonProblem, even a 200."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.errors import ProviderError
from provisioner.providers.wire import answer, describe, loads, unexpected

if TYPE_CHECKING:  # annotations only: httpx loads when a client is built, not when a plugin's schema is read
    import httpx


def problem_text(problem: Any) -> str:
    if not isinstance(problem, dict):  # the envelope's problems are objects; say what came instead
        return f"unknown: {describe(problem)}"
    title = problem.get("title") or problem.get("detail") or "error"
    return f"{problem.get('code', 'unknown')}: {title}"


def raise_for_envelope(response: httpx.Response, action: str, ambiguous: bool = False) -> dict[str, Any]:
    """Return the body; raise for an HTTP error or a document-level error, and for a success whose
    body is not an envelope (`ambiguous` for a create's answer: the campaign may exist)."""
    body = loads(response)
    problems = body.get("errors") if isinstance(body, dict) else None
    problems = problems if isinstance(problems, list) else []
    if response.status_code < 400 and not isinstance(body, dict):
        what = f"Criteo {action}"
        raise unexpected(what, "a JSON object (the {data, errors, warnings} envelope)",
                         describe(answer(response, what, ambiguous)), ambiguous)
    if response.status_code >= 400 or (problems and not body.get("data")):
        first = problems[0] if problems and isinstance(problems[0], dict) else {}
        code = first.get("code") or f"http_{response.status_code}"
        detail = problem_text(first) if first else response.reason_phrase
        if response.status_code == 403:
            detail += " (Criteo answers 403 for a campaign that does not exist or is not consented)"
        raise ProviderError(f"{action}: HTTP {response.status_code} {detail}", code=code,
                            status=response.status_code)
    return body if isinstance(body, dict) else {}


def item_index(problem: Any) -> int | None:
    """'@data/3' → 3: the 0-based position of the request item a problem is about."""
    instance = str(problem.get("instance") or "") if isinstance(problem, dict) else ""
    if instance.startswith("@data/"):
        head = instance[len("@data/"):].split("/", 1)[0]
        if head.isdigit():
            return int(head)
    return None
