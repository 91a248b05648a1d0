"""The public API is exactly `provisioner.__all__`, sorted, and every name resolves (httpx's check)."""

import provisioner


def test_all_is_sorted_and_resolves() -> None:
    assert provisioner.__all__ == sorted(provisioner.__all__)
    for name in provisioner.__all__:
        assert getattr(provisioner, name) is not None


def test_public_names_are_exported() -> None:
    classes = {n for n in dir(provisioner) if not n.startswith("_") and n[0].isupper()}
    assert classes <= set(provisioner.__all__)
