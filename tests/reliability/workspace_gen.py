"""Generated workspaces on all five platforms, for fault, crash and soak runs."""

from __future__ import annotations

from pathlib import Path

TOPSORT = """\
  {p}t-{i}:
    provider: topsort
    name: {p}Topsort {i}
    budget: {{amount: {amount}, type: daily}}
    startDate: 2030-03-01T00:00:00Z
    endDate: 2030-03-31T00:00:00Z
    bids: [{{amount: 25, target: {{type: product, id: p_{i}}}}}]
"""
CRITEO = """\
  {p}c-{i}:
    provider: criteo
    name: {p}Criteo {i}
    goal: Acquisition
    spendLimit: {{spendLimitType: capped, spendLimitRenewal: daily, spendLimitAmount: {amount}.25}}
"""
SESSIONM = """\
  {p}s-{i}:
    provider: sessionm
    name: {p}SessionM {i}
    status: live
    starts_at: 2030-03-01T00:00:00Z
    ends_at: 2030-03-31T00:00:00Z
"""
TARGETER = """\
  {p}g-{i}:
    provider: targeter
    name: {p}Listing {i}
    material: [https://cdn.example.com/{i}.jpg]
    target_url: https://example.com/listing/{i}
"""
SKALA = """\
  {p}k-{i}:
    provider: skala
    company: {{id: 10}}
    campaignType: {{id: 100}}
    startDate: 2030-04-01
    endDate: 2030-04-{day:02d}
    landingPage: https://example.com/open-house/{p}{i}
    campaignFieldValues:
      headline: {{type: FREETEXT, text: Open house {i}}}
      description: {{type: FREETEXT, text: Sunday 12-14}}
      image: {{type: PICTURE, picture: {{id: 3301}}}}
      cta: {{type: SELECT, text: LEARN_MORE}}
    budgetOptionId: 500
"""
TEMPLATES = {"topsort": TOPSORT, "criteo": CRITEO, "sessionm": SESSIONM, "targeter": TARGETER, "skala": SKALA}


def providers_yaml(urls: dict[str, str] | None = None, extra: str = "") -> str:
    """All five providers: in-process sandbox, or the HTTP emulators at `urls` with env secrets."""
    if urls is None:
        return f"""providers:
  topsort: {{base_url: sandbox, vendor_id: v1, currency: EUR{extra}}}
  criteo: {{base_url: sandbox, advertiser_id: "12345", currency: EUR{extra}}}
  sessionm: {{base_url: sandbox{extra}}}
  targeter: {{base_url: sandbox{extra}}}
  skala: {{base_url: sandbox, brand_id: 1, currency: NOK{extra}}}
"""
    return f"""providers:
  topsort: {{base_url: "{urls['topsort']}", api_key: "${{env:TOPSORT_API_KEY}}", vendor_id: v1, currency: EUR{extra}}}
  criteo: {{base_url: "{urls['criteo']}", client_id: "${{env:CRITEO_CLIENT_ID}}",
            client_secret: "${{env:CRITEO_CLIENT_SECRET}}", advertiser_id: "12345", currency: EUR{extra}}}
  sessionm: {{base_url: "{urls['sessionm']}", api_key: "${{env:SESSIONM_API_KEY}}",
              api_secret: "${{env:SESSIONM_API_SECRET}}"{extra}}}
  targeter: {{base_url: "{urls['targeter']}", api_key: "${{env:TARGETER_API_KEY}}",
              api_secret: "${{env:TARGETER_API_SECRET}}"{extra}}}
  skala: {{base_url: "{urls['skala']}", username: "${{env:SKALA_USERNAME}}",
           password: "${{env:SKALA_PASSWORD}}", brand_id: 1, currency: NOK{extra}}}
"""


def campaigns_yaml(per_platform: int, prefix: str = "", amount: int = 1000) -> str:
    blocks = ["campaigns:\n"]
    for template in TEMPLATES.values():
        blocks += [template.format(p=prefix, i=i, amount=amount + i, day=2 + i % 27) for i in range(per_platform)]
    return "".join(blocks)


def write(root: Path, per_platform: int, urls: dict[str, str] | None = None, prefix: str = "",
          extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "providers.yaml").write_text(providers_yaml(urls, extra))
    (root / "campaigns.yaml").write_text(campaigns_yaml(per_platform, prefix))
    return root
