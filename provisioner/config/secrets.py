"""Secret references: `${env:NAME}` is the only way a key, secret, password or token gets in.

A literal secret in YAML would end up in git; the loader refuses it. Resolved values are kept in
pydantic `SecretStr`, whose repr and str print `**********`, and registered with the redactor.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

ENV_REFERENCE = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
SECRET_NAME = re.compile(r"(key|secret|password|token|dsn)$", re.IGNORECASE)


def is_secret_field(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


class SecretReferenceError(ValueError):
    pass


def resolve_reference(value: object, field: str, environ: Mapping[str, str] | None = None,
                      secret: bool = False) -> object:
    """Resolve `${env:NAME}`; a secret field must be such a reference, other fields may be."""
    environ = os.environ if environ is None else environ
    match = ENV_REFERENCE.match(value) if isinstance(value, str) else None
    if match is None:
        if secret:
            raise SecretReferenceError(
                f"'{field}' holds a secret and must reference the environment, e.g. "
                f"{field}: ${{env:{field.upper()}}} — never a literal value")
        return value
    name = match.group(1)
    if name not in environ:
        raise SecretReferenceError(f"environment variable {name} (referenced by '{field}') is not set")
    if environ[name] == "":  # e.g. a CI secret that exists but holds nothing: not the same fix as unset
        raise SecretReferenceError(f"environment variable {name} (referenced by '{field}') is set but empty")
    return environ[name]
