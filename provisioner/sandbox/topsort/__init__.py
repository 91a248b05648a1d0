"""Emulator of Topsort's campaign service (api-docs/topsort-campaign-update.txt, api-contracts.md §5)."""
