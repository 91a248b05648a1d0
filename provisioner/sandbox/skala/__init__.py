"""Skala Ads gateway emulator: `token` header login, brands, companies, campaign types and campaign orders."""
