"""Targeter partner intake emulator: token login and the create-or-retrieve campaign endpoint."""
