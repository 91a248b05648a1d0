"""Reading a workspace loads the plugins it names, and of those only the schema, not the HTTP client:
`validate` of the quickstart (Topsort and Criteo) imports neither httpx nor any other platform, and a
session built from the same plugin still gets its client (loaded on connect)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Runs the real command in-process, then lists what it imported of httpx, the client modules and the
# platforms the quickstart does not use.
VALIDATE_THEN_LIST = (
    "import sys\n"
    "from provisioner.cli import main\n"
    "try:\n"
    "    main(['validate', sys.argv[1]])\n"
    "except SystemExit as done:\n"
    "    code = done.code\n"
    "# (httpx._main is there as None: provisioner blocks httpx's own CLI before httpx loads)\n"
    "print(code, sorted(m for m, module in sys.modules.items() if module is not None\n"
    "                   and (m.split('.')[0] == 'httpx' or m.endswith('.client')\n"
    "                        or m.split('.')[2:3] in (['skala'], ['sessionm'], ['targeter']))))\n"
)


def test_validate_imports_no_httpx_no_client_and_no_unnamed_platform() -> None:
    run = subprocess.run([sys.executable, "-c", VALIDATE_THEN_LIST, str(REPO / "examples" / "quickstart")],
                         capture_output=True, text=True, check=True)
    assert "Valid: 4 campaign(s)" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "0 []"


def test_a_plugin_session_still_builds_its_client_on_connect() -> None:
    from provisioner.providers.http import HttpContext
    from provisioner.providers.registry import providers
    from provisioner.providers.topsort.client import TopsortClient
    from provisioner.providers.topsort.resources import TopsortSession

    plugin = providers()["topsort"]
    settings = plugin.settings_model.model_validate({"type": "topsort", "api_key": "k" * 12, "vendor_id": "v1",
                                                    "base_url": "https://api.example.com"})
    session = plugin.connect(settings, HttpContext())
    assert isinstance(session, TopsortSession) and isinstance(session.client, TopsortClient)
