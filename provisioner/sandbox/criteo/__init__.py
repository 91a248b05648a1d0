"""Emulator of Criteo Marketing Solutions campaigns (api-docs/criteo-campaigns.txt, api-contracts.md §3)."""
