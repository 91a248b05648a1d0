"""The contract's plain records (providers/records.py) and config/models.py's Move (config/moved.py)
load on first use, yet every name is still where it was (`provisioner.providers.base`,
`provisioner.config.models`): the same class objects, whichever module is imported first."""

from __future__ import annotations

import subprocess
import sys

import pytest

from provisioner.providers import base, records


def test_base_gives_each_record_as_records_defines_it() -> None:
    for name in base.RECORDS:
        assert getattr(base, name) is getattr(records, name)
    from provisioner.providers.base import Commitment, Skip

    assert Commitment is records.Commitment and Skip("x") == records.Skip("x")
    assert not hasattr(records, "LiveCampaign")  # made once per live campaign: base.py's own, no lazy look-up
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        base.Nothing  # noqa: B018 (the attribute access is the test)


def test_the_records_module_loads_only_when_a_record_is_read() -> None:
    script = ("import sys\nimport provisioner.providers.base as base\n"
              "import provisioner.providers.topsort, provisioner.providers.criteo\n"
              "before = 'provisioner.providers.records' in sys.modules\n"
              "from provisioner.providers.base import Commitment\n"
              "print(before, Commitment.__module__)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "provisioner.providers.records"]


def test_models_gives_move_as_moved_defines_it() -> None:
    from provisioner.config import models, moved
    from provisioner.config.models import Move

    assert Move is moved.Move is models.Move
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        models.Nothing  # noqa: B018 (the attribute access is the test)
