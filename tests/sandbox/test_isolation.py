"""The emulators are a platform, not a mock of our client: they never import provider or config code,
and each one's COVERAGE.md lists exactly the endpoints it routes."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import provisioner.sandbox
from provisioner.sandbox.registry import EMULATOR_NAMES, make_emulator

SANDBOX = Path(provisioner.sandbox.__file__).parent
METHODS = "GET|POST|PUT|PATCH|DELETE"
IMPLEMENTED = re.compile(rf"- \[X\] ({METHODS}) (/\S*)(?: \(.*\))?")
ENDPOINT = re.compile(rf"\b({METHODS}) (/[^\s,…]+)")


def test_sandbox_imports_nothing_outside_itself() -> None:
    offenders = []
    for path in SANDBOX.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names
                          if n.startswith("provisioner") and not n.startswith("provisioner.sandbox")]
    assert offenders == []


def endpoint(method: str, path: str) -> str:
    """`GET /campaigns/{campaign-id}` and a route's `/campaigns/{campaign_id}` compare equal."""
    return f"{method} {re.sub(r'{[^}]*}', '{}', path)}"


def coverage(text: str) -> tuple[set[str], set[str]]:
    """(endpoints checked as implemented, endpoints named on unchecked lines) of a COVERAGE.md."""
    implemented: set[str] = set()
    not_implemented: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("- [X]"):
            match = IMPLEMENTED.fullmatch(line)
            assert match, f"line {number} is not `- [X] METHOD /path (notes)`: {line}"
            implemented.add(endpoint(*match.groups()))
        elif line.startswith("- [ ]"):
            not_implemented |= {endpoint(*found) for found in ENDPOINT.findall(line)}
    return implemented, not_implemented


def test_coverage_parser_reads_both_kinds_of_line() -> None:
    text = ("- [X] GET /v1/campaigns/{campaign-id} (Get one; 404 when missing)\n- [X] POST /v1/campaigns\n"
            "- [ ] POST /v1/bids, PUT /v1/bids/{id} (bids)\n- [ ] OAuth2 authorization-code flow\n")
    assert coverage(text) == ({"GET /v1/campaigns/{}", "POST /v1/campaigns"}, {"POST /v1/bids", "PUT /v1/bids/{}"})
    with pytest.raises(AssertionError, match="line 1"):
        coverage("- [X] the campaigns endpoint\n")


@pytest.mark.parametrize("name", EMULATOR_NAMES)
def test_coverage_lists_exactly_the_routes_the_emulator_implements(name: str) -> None:
    emulator = make_emulator(name)
    path = Path(sys.modules[type(emulator).__module__].__file__ or "").parent / "COVERAGE.md"
    implemented, not_implemented = coverage(path.read_text(encoding="utf-8"))
    routed = {endpoint(route.method, route.template) for route in emulator.router.routes}
    assert routed - implemented == set(), f"{name}: routed but not checked in {path.name}"
    assert implemented - routed == set(), f"{name}: checked in {path.name} but not routed"
    assert routed & not_implemented == set(), f"{name}: routed but listed as not implemented"
