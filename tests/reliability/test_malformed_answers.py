"""A platform answering 2xx with a body of an unexpected shape (a list for an object, `"data": 5`,
an item without its id, an HTML page): one clear error naming the instance and what was expected,
never a traceback, and only that provider instance fails: the others are still read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provisioner.sandbox.core import PlatformRequest, PlatformResponse
from tests.conftest import Platforms, cli, state_of

TOPSORT_LIST = ("GET", "/campaign-service/campaigns")
CRITEO_SEARCH = ("POST", "/campaigns/search")


def answer_instead(monkeypatch: pytest.MonkeyPatch, platforms: Platforms, platform: str,
                   route: tuple[str, str], body: Any | Callable[[PlatformResponse], Any]) -> Callable[[], None]:
    """Make the emulator answer 200 with `body` on `route` (a callable rewrites the real answer,
    so the platform still did the work); returns what puts the real answers back."""
    emulator = platforms.emulator(platform)
    real = emulator.dispatch

    def dispatch(request: PlatformRequest) -> PlatformResponse:
        if request.method != route[0] or not request.path.endswith(route[1]):
            return real(request)
        if callable(body):
            return PlatformResponse(200, body(real(request)))
        return PlatformResponse(200, body)

    monkeypatch.setattr(emulator, "dispatch", dispatch)
    return lambda: monkeypatch.setattr(emulator, "dispatch", real)


LIST_CASES = {
    "topsort list is a list": ("topsort", TOPSORT_LIST, [],
                               "expected an object with a 'campaigns' list, got a list of 0 item(s)"),
    "topsort campaigns is a number": ("topsort", TOPSORT_LIST, {"campaigns": 5, "hasMore": False},
                                      "expected 'campaigns' to be a list, got the number 5"),
    "topsort campaign without id": ("topsort", TOPSORT_LIST, {"campaigns": [{"name": "x"}], "hasMore": False},
                                    "expected an object with an id in 'campaignId', got no 'campaignId'"),
    "topsort html page": ("topsort", TOPSORT_LIST, b"<html>maintenance</html>",
                          "expected a JSON body, got HTTP 200 with a non-JSON body"),
    "topsort bad next offset": ("topsort", TOPSORT_LIST, {"campaigns": [], "hasMore": True, "next": {"offset": "x"}},
                                "expected 'next.offset' to be an integer past 0"),
    "criteo data is a number": ("criteo", CRITEO_SEARCH, {"data": 5, "errors": []},
                                "expected 'data' to be a list of campaigns, got the number 5"),
    "criteo envelope is a list": ("criteo", CRITEO_SEARCH, [{"id": "1"}],
                                  "expected a JSON object (the {data, errors, warnings} envelope), got a list"),
    "criteo campaign without id": ("criteo", CRITEO_SEARCH, {"data": [{"type": "Campaign", "attributes": {}}]},
                                   "expected an object with an id in 'id', got no 'id'"),
    "criteo attributes is a string": ("criteo", CRITEO_SEARCH, {"data": [{"id": "7", "attributes": "x"}]},
                                      "Criteo campaign 7: unexpected answer from the platform: expected "
                                      "'attributes' to be an object, got a string"),
}


@pytest.mark.parametrize("case", sorted(LIST_CASES))
def test_malformed_list_answer_fails_only_its_instance(case: str, workspace: Path, platforms: Platforms,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    platform, route, body, expected = LIST_CASES[case]
    other = "criteo" if platform == "topsort" else "topsort"
    answer_instead(monkeypatch, platforms, platform, route, body)
    result = cli("plan", str(workspace), "--no-save")  # catch_exceptions=False: a traceback fails here
    assert result.exit_code == 1, result.output
    assert f"Error: {platform}: cannot read live state: " in result.stderr, result.stderr
    assert "unexpected answer from the platform" in result.stderr and expected in result.stderr, result.stderr
    assert f"Error: {other}:" not in result.stderr  # the other instance was read, and read fine
    other_route = CRITEO_SEARCH if other == "criteo" else TOPSORT_LIST
    assert any(r.path.endswith(other_route[1]) for r in platforms.requests(other, other_route[0]))
    assert "Traceback" not in result.output
    assert f"The plan is incomplete ({platform} could not be read), so it is neither saved nor applied" \
        in result.stderr


def test_apply_names_the_instance_and_sends_nothing(workspace: Path, platforms: Platforms,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """apply (plan-and-confirm) with Criteo answering garbage: the same clear error as any read
    error, and no change is sent to either platform (apply refuses an incomplete plan)."""
    answer_instead(monkeypatch, platforms, "criteo", CRITEO_SEARCH, {"data": 5})
    refused = cli("apply", str(workspace), "--auto-approve")
    assert refused.exit_code == 1 and "Error: criteo: cannot read live state" in refused.stderr
    assert "Refusing to apply: nothing was sent. The plan is incomplete (criteo could not be read)" in refused.stderr
    assert platforms.requests("topsort", "POST") == [] and platforms.requests("criteo", "PATCH") == []

    # the way out the message gives: the readable instance plans and applies without the other
    assert "--exclude 'criteo.*'" in refused.stderr
    platforms.clear()
    applied = cli("apply", str(workspace), "--auto-approve", "--exclude", "criteo.*")
    assert applied.exit_code == 0, applied.output
    assert {r["provider"] for r in state_of(workspace).values()} == {"topsort"}
    assert platforms.requests("topsort", "POST") and platforms.requests("criteo") == []


@pytest.mark.parametrize("platform, route, rewrite, id_field", [
    ("topsort", ("POST", "/campaign-service/campaigns"), lambda real: {"ok": True}, "campaignId"),
    ("criteo", ("POST", "/marketing-solutions/campaigns"), lambda real: {"data": [], "errors": []}, "id"),
])
def test_malformed_create_answer_is_ambiguous_and_looked_up(platform: str, route: tuple[str, str],
                                                           rewrite: Callable[[PlatformResponse], Any],
                                                           id_field: str, workspace: Path, platforms: Platforms,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform created the campaign but answered with garbage: the campaign is found by lookup
    and recorded (never forgotten, never created twice)."""
    restore = answer_instead(monkeypatch, platforms, platform, route, rewrite)
    result = cli("apply", str(workspace), "--auto-approve")
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    assert "found the created campaign by lookup" in result.output, result.output
    restore()
    recorded = {k: r for k, r in state_of(workspace).items() if r["provider"] == platform}
    assert recorded and all(r["id"] for r in recorded.values())
    creates = [r for r in platforms.requests(platform, "POST") if r.path.endswith(route[1])]
    assert len(creates) == len(recorded)  # one create each: found, not created again
    again = cli("plan", str(workspace), "--no-save")
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
