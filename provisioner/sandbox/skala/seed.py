"""The Skala sandbox's seed data: brands, companies, campaign types with their fields and budget
options, written to an empty store on first use (see COVERAGE.md for what each is for)."""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.skala.backend import AD_PLATFORMS, BRANDS, COMPANIES, TYPES


def _field(fid: int, reference: str, kind: str, required: bool, position: int, **extra: Any) -> dict[str, Any]:
    return {"id": fid, "title": reference.replace("_", " ").capitalize(), "reference": reference,
            "description": None, "required": required, "fieldType": kind, "options": [],
            "position": position, "maxLength": None, **extra}


def _option(oid: int, name: str, value: str, position: int) -> dict[str, Any]:
    return {"id": oid, "name": name, "value": value, "position": position}


# Brand 1 is the one sandbox CompanyUsers work in; brand 2 exists so access rules have something to refuse.
_BRAND_1 = {"id": 1, "name": "Sandbox Brand"}
_BRAND_2 = {"id": 2, "name": "Other Brand"}
SEED: dict[str, list[dict[str, Any]]] = {
    BRANDS: [
        {**_BRAND_1, "logo": None, "adPlatformTypes": list(AD_PLATFORMS), "budgetAllocationOptionString": "CUSTOM"},
        {**_BRAND_2, "logo": None, "adPlatformTypes": ["FACEBOOK"],
         "budgetAllocationOptionString": "BUDGET_OPTION_ONLY"},
    ],
    COMPANIES: [
        {"id": 10, "name": "Sandbox Company Oslo", "brand": _BRAND_1, "url": "https://oslo.example.no",
         "supportsRelativeUrl": True, "active": True},
        {"id": 11, "name": "Sandbox Company Bergen", "brand": _BRAND_1, "url": "https://bergen.example.no",
         "supportsRelativeUrl": True, "active": True},
        {"id": 20, "name": "Other Company", "brand": _BRAND_2, "url": "https://other.example.no",
         "supportsRelativeUrl": False, "active": True},
    ],
    TYPES: [
        {"id": 100, "name": "Property listing", "reference": "property-listing", "brand": _BRAND_1,
         "landingPageType": "ABSOLUTE_URL", "acceptCustomLandingPage": True, "orderable": True,
         "adPlatformTypes": ["FACEBOOK", "ADFORM"],
         "campaignFields": [
             _field(1001, "headline", "FREETEXT", True, 0, maxLength=40),
             _field(1002, "description", "FREETEXT", False, 1, maxLength=200),
             _field(1003, "image", "PICTURE", True, 2),
             _field(1004, "cta", "SELECT", False, 3, options=[_option(1, "Learn more", "LEARN_MORE", 0),
                                                               _option(2, "Sign up", "SIGN_UP", 1)]),
         ],
         "budgetOptions": [{"id": 500, "name": "Small", "budget": 5000.0},
                           {"id": 501, "name": "Large", "budget": 15000.0}]},
        {"id": 101, "name": "Recruitment", "reference": "recruitment", "brand": _BRAND_1,
         "landingPageType": "CUSTOM_URL", "acceptCustomLandingPage": True, "orderable": True,
         "adPlatformTypes": ["FACEBOOK", "LINKEDIN", "SNAPCHAT"],
         "campaignFields": [
             _field(1101, "title", "FREETEXT", True, 0, maxLength=60),
             _field(1102, "video", "VIDEO", False, 1),
             _field(1103, "employees", "MODEL", False, 2, selectedModel={"id": 1}, maxAmount=0),
         ],
         "budgetOptions": [{"id": 502, "name": "Standard", "budget": 8000.0}]},
        {"id": 200, "name": "Other listing", "reference": "other-listing", "brand": _BRAND_2,
         "landingPageType": "ABSOLUTE_URL", "acceptCustomLandingPage": False, "orderable": True,
         "adPlatformTypes": ["FACEBOOK"],
         "campaignFields": [_field(2001, "headline", "FREETEXT", True, 0, maxLength=40)],
         "budgetOptions": [{"id": 503, "name": "Standard", "budget": 3000.0}]},
    ],
}
