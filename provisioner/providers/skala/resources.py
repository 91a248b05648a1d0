"""Skala campaign orders through the capabilities Prepares, Lists, Finds, Updates and Retires.

Config vocabulary ↔ wire: field values are a mapping keyed by reference in YAML and a list on the
wire; the PUT replaces the whole order, so it resends dates, budget and every field value, with the
ids of the existing values read from the live order just before (new values go without an id).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from provisioner.errors import AmbiguousOutcomeError, ProviderError
from provisioner.providers.base import (
    CreateRequest,
    CreateResult,
    LiveCampaign,
    RuleCheck,
    RuleProblem,
    Skip,
    UpdateRequest,
    UpdateResult,
)
from provisioner.providers.skala.schema import SkalaSettings
from provisioner.providers.wire import expect_id, unexpected
from provisioner.sharing import Memo, share_strings

if TYPE_CHECKING:  # the client (and httpx) load on connect: `validate` reads only the schema
    from provisioner.providers.http import HttpContext
    from provisioner.providers.skala.client import SkalaClient

MEDIA = ("picture", "video", "audio")
VALUE_MEMBERS = ("type", "text", *MEDIA)  # what a field value holds besides its id, reference and model
BUDGET = ("budgetOptionId", "customBudget", "customAdPlatformTypes")
# ad texts are update-only on the gateway; the PUT resends what the order already has
AD_TEXTS = ("fbCtaButton", "fbHeadline", "fbDescription", "fbPrimaryText", "scBrandName", "scHeadline",
            "scCtaButton", "liTitle", "liDescription", "liCommentary", "liCtaButton")


def _entries(model: Any) -> list[dict[str, Any]]:
    entries = model.get("selectedEntries") if isinstance(model, dict) else None
    return [e for e in entries or [] if isinstance(e, dict)]


def _live_value(value: dict[str, Any]) -> dict[str, Any]:
    """A field value in the config vocabulary: its own id and reference are wire matters."""
    # a loop, not a comprehension over `get`: this runs for every field value of every listed order
    out = {}
    for name in VALUE_MEMBERS:
        member = value.get(name)
        if member is not None:
            out[name] = member
    model = value.get("model")
    if model is not None:
        out["model"] = {"selectedEntries": [
            {"campaignFieldModelEntry": e.get("campaignFieldModelEntry"), "position": e.get("position")}
            for e in _entries(model)]}
    return out


def to_live(order: dict[str, Any], sharing: _Sharing | None = None) -> LiveCampaign:
    """An order in the config vocabulary; with `sharing` (list_campaigns), what the orders of one
    answer repeat is kept once: equal mappings as one object, equal strings as one (sharing.py)."""
    if sharing is not None:
        return sharing.live(order)
    order_id = expect_id(order, "id", "Skala campaign order")
    get = order.get
    # written out field by field (no helpers per field): every order of the brand goes through here
    values: dict[str, Any] = {}
    listed = get("campaignFieldValues")
    if isinstance(listed, list):  # an answer without a list of them has none
        for value in listed:
            if isinstance(value, dict):
                reference = value.get("reference")
                reference = reference if type(reference) is str else str(reference)
                values[reference] = _live_value(value)
    company, ctype = get("company"), get("campaignType")
    company = {"id": company.get("id"), "name": company.get("name")} if isinstance(company, dict) else None
    ctype = {"id": ctype.get("id"), "name": ctype.get("name")} if isinstance(ctype, dict) else None
    fields: dict[str, Any] = {
        "company": company, "campaignType": ctype,
        "startDate": get("startDate"), "endDate": get("endDate"), "landingPage": get("landingPage"),
        "campaignFieldValues": values,
        # BUDGET, in its order
        "budgetOptionId": get("budgetOptionId"), "customBudget": get("customBudget"),
        "customAdPlatformTypes": get("customAdPlatformTypes"),
        "status": get("status"),  # read-only: never declared, so never compared
    }
    return LiveCampaign(id=order_id, fields=fields)


def twin_identity(live: LiveCampaign) -> tuple[Any, ...] | None:
    """What find_campaign matches an interrupted create on (§8): company, campaign type, dates and
    landing page; a cancelled order is nobody's twin."""
    fields = live.fields
    if fields.get("status") == "CANCELLED":
        return None
    return ((fields.get("company") or {}).get("id"), (fields.get("campaignType") or {}).get("id"),
            fields.get("startDate"), fields.get("endDate"), fields.get("landingPage"))
def to_config(live: LiveCampaign) -> dict[str, Any] | Skip:
    """A listed order as workspace YAML fields: company and campaign type by id, the budget as given."""
    fields = live.fields
    if fields.get("status") == "CANCELLED":
        return Skip("the order is cancelled")
    company, ctype = fields.get("company") or {}, fields.get("campaignType") or {}
    if company.get("id") is None or ctype.get("id") is None:
        return Skip("the order names no company or campaign type id")
    config: dict[str, Any] = {"company": {"id": company["id"]}, "campaignType": {"id": ctype["id"]},
                              "startDate": fields.get("startDate"), "endDate": fields.get("endDate")}
    if fields.get("landingPage") is not None:
        config["landingPage"] = fields["landingPage"]
    if fields.get("campaignFieldValues"):
        config["campaignFieldValues"] = fields["campaignFieldValues"]
    config |= {name: fields[name] for name in BUDGET if fields.get(name) is not None}
    return config


def import_label(live: LiveCampaign) -> str:
    """Orders have no name: a key is made from the company and the start date."""
    company = live.fields.get("company") or {}
    return f"{company.get('name') or company.get('id') or 'order'} {live.fields.get('startDate') or live.id}"


def _field_values(order: dict[str, Any]) -> list[dict[str, Any]]:
    """An order's campaignFieldValues as read; an answer without a list of them has none."""
    values = order.get("campaignFieldValues")
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _wire_model(model: dict[str, Any], live: dict[str, Any] | None) -> dict[str, Any]:
    existing = {(e.get("campaignFieldModelEntry") or {}).get("id"): e.get("id")
                for e in _entries((live or {}).get("model"))}
    entries = []
    for entry in model.get("selectedEntries") or []:
        wire = {"campaignFieldModelEntry": entry["campaignFieldModelEntry"], "position": entry["position"]}
        if existing.get(entry["campaignFieldModelEntry"]["id"]) is not None:
            wire["id"] = existing[entry["campaignFieldModelEntry"]["id"]]  # an existing selection
        entries.append(wire)
    return {"selectedEntries": entries}


def wire_value(reference: str, value: dict[str, Any], live: dict[str, Any] | None = None) -> dict[str, Any]:
    """One campaignFieldValues item; `live` is the order's current value of this reference."""
    wire: dict[str, Any] = {"reference": reference, "type": value["type"]}
    if live is not None and live.get("id") is not None:
        wire = {"id": live["id"], **wire}
    for name in ("text", *MEDIA):
        if value.get(name) is not None:
            wire[name] = value[name]
    if value.get("model") is not None:
        wire["model"] = _wire_model(value["model"], live)
    return wire


def _budget(desired: dict[str, Any]) -> dict[str, Any]:
    body = {name: desired[name] for name in BUDGET if desired.get(name) is not None}
    if "customBudget" in body:
        body["customBudget"] = Decimal(str(body["customBudget"]))  # exact, never a float
    return body


def update_body(order: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The PUT body: what the order should be, keeping what the YAML does not declare."""
    obj: dict[str, Any] = {"startDate": desired["startDate"], "endDate": desired["endDate"]}
    landing = desired.get("landingPage", order.get("landingPage"))
    if landing is not None:
        obj["landingPage"] = landing
    declared = desired.get("campaignFieldValues") or {}
    values, seen = [], set()
    for live in _field_values(order):
        reference = str(live.get("reference"))
        seen.add(reference)
        value = declared.get(reference) or _live_value(live)  # undeclared values are kept as they are
        values.append(wire_value(reference, value, live))
    values += [wire_value(ref, value) for ref, value in declared.items() if ref not in seen]
    texts = {name: order[name] for name in AD_TEXTS if order.get(name) is not None}
    return {"object": obj, "campaignFieldValues": values, **_budget(desired), **texts}


class NameResolver:
    """Company and campaign-type names → ids, checked at plan time with the rights the login has:
    campaign types are listed for Admins only, and companies only through their brand."""

    def __init__(self, client: SkalaClient, brand_id: int) -> None:
        self.client, self.brand_id = client, brand_id
        self.type_ids: dict[str, int] = {}
        self.company_ids: dict[str, int] = {}
        self.checked: set[int] = set()

    def prepare(self, declared: dict[str, dict[str, Any]]) -> None:
        types, companies = _names(declared)
        if set(types) - set(self.type_ids):
            self._resolve_types(types)
        if set(companies) - set(self.company_ids):
            self._resolve_companies(companies)
        used: dict[int, list[str]] = {}
        for key, desired in declared.items():
            company = desired.get("company") or {}
            company_id = company.get("id") or self.company_ids.get(str(company.get("name")))
            if company_id is not None:
                used.setdefault(int(company_id), []).append(key)
        for company_id, keys in sorted(used.items()):
            if company_id not in self.checked:
                self._check_company(company_id, keys)

    def ids(self, key: str, desired: dict[str, Any]) -> tuple[int, int]:
        """The (company id, campaign type id) of a declared campaign."""
        company, ctype = desired["company"], desired["campaignType"]
        company_name, type_name = company.get("name"), ctype.get("name")
        if (company_name is not None and company_name not in self.company_ids) \
                or (type_name is not None and type_name not in self.type_ids):
            self.prepare({key: desired})
        return (int(company.get("id") or self.company_ids[company["name"]]),
                int(ctype.get("id") or self.type_ids[ctype["name"]]))

    def _resolve_types(self, names: dict[str, list[str]]) -> None:
        try:
            types = self.client.campaign_types()
        except ProviderError as error:
            if error.status == 403:
                raise ProviderError("campaign type names need an Admin login; give campaignType.id instead "
                                    f"(GET /api/campaign-type/all is Admin-only; {_where(names)})",
                                    code="forbidden", status=403) from None
            raise
        ours = [t for t in types if isinstance(t, dict)
                and (t.get("brand") or {}).get("id") in (None, self.brand_id)]
        self.type_ids.update(self._match("campaign type", "campaign types", "campaignType.id", names, ours))

    def _resolve_companies(self, names: dict[str, list[str]]) -> None:
        try:
            companies = self.client.brand().get("companies")
        except ProviderError as error:
            if error.status in (403, 404):
                raise ProviderError(f"company names are looked up in brand {self.brand_id}, which this login "
                                    f"cannot read ({error}); give company.id instead ({_where(names)})",
                                    code=error.code, status=error.status) from None
            raise
        if not isinstance(companies, list):
            raise ProviderError(f"Skala has no company list endpoint and brand {self.brand_id}'s answer lists "
                                f"no companies; give company.id instead ({_where(names)})", code="unresolvable")
        found = [c for c in companies if isinstance(c, dict)]
        self.company_ids.update(self._match("company", "companies", "company.id", names, found))

    def _match(self, what: str, plural: str, field: str, names: dict[str, list[str]],
               objects: list[dict[str, Any]]) -> dict[str, int]:
        resolved = {}
        for name, keys in sorted(names.items()):
            matches = [o for o in objects if o.get("name") == name]
            if len(matches) != 1:
                known = ", ".join(f"{o.get('name')!r} (id {o.get('id')})" for o in objects) or "none"
                problem = "is not one of" if not matches else "names several of"
                raise ProviderError(f"{what} {name!r} ({', '.join(keys)}) {problem} the {plural} of brand "
                                    f"{self.brand_id} this login can read ({known}); give {field} instead",
                                    code="unknown-name")
            resolved[name] = _int_id(matches[0], f"Skala {what} {name!r}")
        return resolved

    def _check_company(self, company_id: int, keys: list[str]) -> None:
        try:
            company = self.client.company(company_id)
        except ProviderError as error:
            if error.status in (403, 404):
                raise ProviderError(f"{error}, used by {', '.join(keys)}", code=error.code,
                                    status=error.status) from None
            raise
        brand = company.get("brand")
        if isinstance(brand, dict) and brand.get("id") is None:
            brand = None  # the answer does not say: nothing to check
        brand = _int_id(brand, f"Skala company {company_id}'s brand") if brand is not None else None
        if brand is not None and brand != self.brand_id:
            raise ProviderError(f"company {company_id} ({', '.join(keys)}) belongs to brand {brand}, but this "
                                f"provider instance manages brand {self.brand_id}: its orders would never be "
                                "listed; use another provider instance for that brand", code="wrong-brand")
        self.checked.add(company_id)


def _int_id(item: Any, what: str) -> int:
    """A numeric id read from an answer (Skala's ids are integers)."""
    value = expect_id(item, "id", what)
    if not value.isdigit():
        raise unexpected(what, "an integer id", f"id {value!r}"[:60])
    return int(value)


def _names(declared: dict[str, dict[str, Any]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """name → the campaign keys (sorted) that refer to their campaign type, and their company, by that name."""
    types: dict[str, list[str]] = {}
    companies: dict[str, list[str]] = {}
    # one pass, unsorted (this runs over every declared campaign): only the few names' keys are sorted
    for key, desired in declared.items():
        name = (desired.get("campaignType") or {}).get("name")
        if name is not None:
            types.setdefault(str(name), []).append(key)
        name = (desired.get("company") or {}).get("name")
        if name is not None:
            companies.setdefault(str(name), []).append(key)
    return _by_first_key(types), _by_first_key(companies)


def _by_first_key(names: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each name's keys sorted; names ordered by their first key (as a pass over the sorted keys finds them)."""
    for keys in names.values():
        keys.sort()
    return dict(sorted(names.items(), key=lambda item: item[1][0])) if len(names) > 1 else names


def _where(names: dict[str, list[str]]) -> str:
    return "; ".join(f"{name!r} in {', '.join(keys)}" for name, keys in sorted(names.items()))


UNCHECKED = ("campaign type rules (required fields, text lengths, select options, budget options) are checked by "
             "Skala only when the order is sent: campaign types are readable by Admins only, and this login "
             "is not one")


def order_problems(ctype: dict[str, Any], desired: dict[str, Any]) -> list[RuleProblem]:
    """What in `desired` the campaign type `ctype` does not allow (its campaignFields and budget options)."""
    return TypeRules(ctype).problems(desired)


class TypeRules:
    """One campaign type's rules, read from its answer once: check_rules checks every declared
    order against its type, and thousands of orders share a handful of types."""

    def __init__(self, ctype: dict[str, Any]) -> None:
        self.name = f"campaign type {ctype.get('name')!r}"
        self.fields = {str(f.get("reference")): f for f in ctype.get("campaignFields") or [] if isinstance(f, dict)}
        self.required = [reference for reference, f in self.fields.items() if f.get("required")]
        self.field_list = ", ".join(self.fields) or "none"
        self.options = {reference: [str(o.get("value")) for o in f.get("options") or [] if isinstance(o, dict)]
                        for reference, f in self.fields.items()}
        self.budget_options = [str(o.get("id")) for o in ctype.get("budgetOptions") or [] if isinstance(o, dict)] \
            if "budgetOptions" in ctype else None
        self.absolute_url = ctype.get("landingPageType") == "ABSOLUTE_URL"

    def problems(self, desired: dict[str, Any]) -> list[RuleProblem]:
        name, fields = self.name, self.fields
        values: dict[str, Any] = desired.get("campaignFieldValues") or {}
        problems = [RuleProblem(f"campaignFieldValues.{reference}", f"required by {name}", create_only=True)
                    for reference in self.required if reference not in values]
        for reference, value in values.items():
            field = fields.get(reference)
            if field is None:
                problems.append(RuleProblem(f"campaignFieldValues.{reference}",
                                            f"not a field of {name} (its fields: {self.field_list})"))
                continue
            kind, text = value.get("type"), value.get("text")
            if kind != field.get("fieldType"):
                problems.append(RuleProblem(f"campaignFieldValues.{reference}.type",
                                            f"{name} makes it {field.get('fieldType')}, not {kind}"))
            elif kind == "FREETEXT" and isinstance(text, str) and field.get("maxLength") \
                    and len(text) > field["maxLength"]:
                problems.append(RuleProblem(f"campaignFieldValues.{reference}.text",
                                            f"{len(text)} characters; {name} allows at most "
                                            f"{field['maxLength']} (maxLength)"))
            elif kind == "SELECT":
                options = self.options[reference]
                if text not in options:
                    problems.append(RuleProblem(f"campaignFieldValues.{reference}.text",
                                                f"{text!r} is not an option of {name} ({', '.join(options)})"))
        option = desired.get("budgetOptionId")
        if option is not None and self.budget_options is not None and str(option) not in self.budget_options:
            problems.append(RuleProblem("budgetOptionId", f"{option} is not a budget option of {name} "
                                                          f"({', '.join(self.budget_options) or 'none'})"))
        landing = desired.get("landingPage")
        if self.absolute_url and isinstance(landing, str) and not landing.startswith(("https://", "http://")):
            problems.append(RuleProblem("landingPage", f"{name} needs an absolute URL (landingPageType ABSOLUTE_URL)"))
        return problems


class SkalaSession:
    def __init__(self, settings: SkalaSettings, context: HttpContext) -> None:
        from provisioner.providers.skala.client import SkalaClient

        self.client = SkalaClient(settings, context)
        self.settings = settings
        self.names = NameResolver(self.client, settings.brand_id)

    def prepare(self, declared: dict[str, dict[str, Any]]) -> None:
        self.names.prepare(declared)

    def check_rules(self, declared: dict[str, dict[str, Any]]) -> RuleCheck:
        """Each order against its campaign type's fields (required, maximum text length, select
        options) and budget options; campaign types are readable by Admins only."""
        try:
            types = {t.get("id"): t for t in self.client.campaign_types() if isinstance(t, dict)}
        except ProviderError as error:
            if error.status != 403:
                raise
            return RuleCheck(unchecked=UNCHECKED)
        problems: dict[str, list[RuleProblem]] = {}
        rules: dict[int, TypeRules] = {}  # per campaign type, read once
        for key in sorted(declared):
            desired = declared[key]
            _company, type_id = self.names.ids(key, desired)
            ctype = types.get(type_id)
            if ctype is None:
                found = [RuleProblem("campaignType.id", f"campaign type {type_id} does not exist")]
            else:
                found = (rules.get(type_id) or rules.setdefault(type_id, TypeRules(ctype))).problems(desired)
            if found:
                problems[key] = found
        return RuleCheck(problems)

    def list_campaigns(self) -> list[LiveCampaign]:
        # Each raw order is converted as soon as it is decoded and then dropped (stream.py); what
        # the orders repeat is kept once across the answer (_Sharing).
        sharing = _Sharing()
        orders = self.client.orders_by_brand()
        campaigns = []
        for order in orders:
            try:
                live = to_live(order, sharing)
            except ProviderError:
                # decoded at once, a body that is not a list of objects is reported as such before any
                # order is converted: the rest of the answer is read first, and its error wins
                for _ in orders:
                    pass
                raise
            campaigns.append(live)
        return campaigns

    def find_campaign(self, key: str, desired: dict[str, Any]) -> LiveCampaign | None:
        """§8: match on company, campaign type and dates (plus landingPage when set); several
        matches are narrowed by the declared field values, and a tie is an error, never a guess."""
        company, ctype = self.names.ids(key, desired)
        wanted = {"startDate": desired.get("startDate"), "endDate": desired.get("endDate")}
        if desired.get("landingPage") is not None:
            wanted["landingPage"] = desired["landingPage"]
        matches = [c for c in self.list_campaigns() if c.fields.get("status") != "CANCELLED"
                   and (c.fields["company"] or {}).get("id") == company
                   and (c.fields["campaignType"] or {}).get("id") == ctype
                   and all(c.fields.get(k) == v for k, v in wanted.items())]
        if len(matches) > 1:
            values = desired.get("campaignFieldValues") or {}
            matches = [c for c in matches if _has_values(c.fields["campaignFieldValues"], values)]
        if len(matches) > 1:
            raise ProviderError(f"{key}: {len(matches)} campaign orders match its company, campaign type, "
                                f"dates and field values (ids {', '.join(c.id for c in matches)}); cannot "
                                "tell which one an interrupted create made", code="ambiguous-match")
        return matches[0] if matches else None

    def create_campaign(self, request: CreateRequest) -> CreateResult:
        desired = request.desired
        company, ctype = self.names.ids(request.key, desired)
        obj: dict[str, Any] = {"company": {"id": company}, "campaignType": {"id": ctype},
                               "startDate": desired["startDate"], "endDate": desired["endDate"]}
        if desired.get("landingPage") is not None:
            obj["landingPage"] = desired["landingPage"]
        values = [wire_value(ref, v) for ref, v in (desired.get("campaignFieldValues") or {}).items()]
        order = self.client.create_order({"object": obj, "campaignFieldValues": values, **_budget(desired)})
        if order.get("id") is None:  # the answer's shape is undocumented: look the order up instead
            raise AmbiguousOutcomeError("create campaign order: the answer carries no order id")
        return CreateResult(to_live(order))

    def update_campaign(self, request: UpdateRequest) -> UpdateResult:
        try:
            order = self.client.get_order(request.id)
            self.client.update_order(request.id, update_body(order, request.desired))
        except ProviderError as error:
            return UpdateResult(request.key, request.id, error=error)
        return UpdateResult(request.key, request.id)

    def retire_campaign(self, campaign_id: str, key: str) -> None:
        self.client.cancel_order(campaign_id)

    def close(self) -> None:
        self.client.close()


_SHAREABLE = frozenset({int, bool, type(None)})  # members compared by type and value
# equal numbers spelt apart (Decimal 1.0 and 1.00, float 0.0 and -0.0): compared by their spelling,
# so that each order keeps the number it was answered with
_SPELT = frozenset({Decimal, float})


class _Sharing:
    """What the orders of one answer repeat, kept once: equal strings (sharing.py), and equal
    company and campaign type mappings and field values (5 of every 6 of an order's mappings are
    the same in thousands of orders). Nothing changes a live campaign's fields after they are read
    (the planner, drift and import read and copy them), so one mapping can serve every order."""

    __slots__ = ("empty", "keep", "memo", "nothing", "parts", "refs", "values")

    def __init__(self) -> None:
        self.memo: Memo = {}
        self.keep = self.memo.setdefault
        self.parts: dict[tuple[Any, ...], dict[str, Any]] = {}
        # what the usual shapes are looked up by, before anything is built: a reference's (id, name),
        # a field value's (type, text) or (type, text, picture id)
        self.refs: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.values: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.nothing: dict[str, Any] = {}  # every listed order's outputs (none): one mapping, not one each
        self.empty: list[Any] = []  # an empty list (customAdPlatformTypes, mostly): one object, not one each

    def ref(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A company or campaign type as to_live reads it ({"id", "name"})."""
        ref_id, name = raw.get("id"), raw.get("name")
        if type(ref_id) is int and (name is None or type(name) is str):
            key = (ref_id, name)
            found = self.refs.get(key)
            if found is None:
                found = self.refs[key] = {"id": ref_id, "name": name if name is None else self.keep(name, name)}
            return found
        return self.part({"id": ref_id, "name": name})[0]

    def value(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A field value as _live_value reads it. The usual shapes (a type and a text, or a picture by
        id; nothing else) are built here directly, not through _live_value and part: a headline is
        unique to its order, and `part` spent a key tuple and a `parts` entry on each one."""
        get = raw.get
        kind, text, picture = get("type"), get("text"), get("picture")
        if (kind is None or type(kind) is str) and (text is None or type(text) is str) \
                and get("video") is None and get("audio") is None and get("model") is None:
            picture_id = None
            if picture is None:
                key: tuple[Any, ...] = (kind, text)
            elif type(picture) is dict and len(picture) == 1 and type(picture_id := picture.get("id")) is int:
                key = (kind, text, picture_id)
            else:
                return self.part(_live_value(raw))[0]
            found = self.values.get(key)
            if found is None:
                keep = self.keep
                found = {}  # (_live_value's members, in its order)
                if kind is not None:
                    found["type"] = keep(kind, kind)
                if text is not None:
                    found["text"] = keep(text, text)
                if picture_id is not None:
                    # the one {"id": n} mapping `part` keeps for it
                    found["picture"] = self.parts.setdefault((("id", int, picture_id),), {"id": picture_id})
                self.values[key] = found
            return found
        return self.part(_live_value(raw))[0]

    def live(self, order: dict[str, Any]) -> LiveCampaign:
        """to_live(order) with what the orders repeat kept once: the same fields in the same order,
        each string member as the memo's, an empty list as `empty`, any other list's strings shared
        (written out here, not as a pass over the fields after: every listed order comes through)."""
        order_id = order.get("id")
        # an integer id (Skala's) is the id's text; anything else is checked by expect_id
        order_id = str(order_id) if type(order_id) is int else expect_id(order, "id", "Skala campaign order")
        get, keep, scalar = order.get, self.keep, self.scalar
        values: dict[str, Any] = {}
        listed = get("campaignFieldValues")
        if isinstance(listed, list):  # an answer without a list of them has none
            value_of = self.value
            for value in listed:
                if isinstance(value, dict):
                    reference = value.get("reference")
                    reference = reference if type(reference) is str else str(reference)
                    values[keep(reference, reference)] = value_of(value)
        company, ctype = get("company"), get("campaignType")
        # (each member a string kept once, or as `scalar` gives it: the test is written out, not a
        # call, for the strings most members are)
        start, end, page, status = get("startDate"), get("endDate"), get("landingPage"), get("status")
        option, custom = get("budgetOptionId"), get("customBudget")
        fields: dict[str, Any] = {
            "company": self.ref(company) if isinstance(company, dict) else None,
            "campaignType": self.ref(ctype) if isinstance(ctype, dict) else None,
            "startDate": keep(start, start) if type(start) is str else scalar(start),
            "endDate": keep(end, end) if type(end) is str else scalar(end),
            "landingPage": keep(page, page) if type(page) is str else scalar(page),
            "campaignFieldValues": values,
            # BUDGET, in its order
            "budgetOptionId": option if type(option) is int or option is None else scalar(option),
            "customBudget": custom if custom is None else scalar(custom),
            "customAdPlatformTypes": scalar(get("customAdPlatformTypes")),
            "status": keep(status, status) if type(status) is str else scalar(status),  # read-only: never compared
        }
        return LiveCampaign(order_id, fields, None, None, self.nothing)  # (orders list no outputs)

    def scalar(self, member: Any) -> Any:
        """A member of a listed order that is not a mapping: a string as the memo's, an empty list
        as `empty`, another list with its strings shared; anything else as it is."""
        kind = type(member)
        if kind is str:
            return self.keep(member, member)
        if kind is list:
            if not member:
                return self.empty
            share_strings({"": member}, self.memo)
        return member

    def part(self, mapping: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """`mapping` with its strings kept once, or the equal mapping seen first when every member is
        a string, number, null, or such a mapping itself; True when it was (so it can be a member of another)."""
        keep = self.keep
        key: list[Any] = []
        shareable = True
        for name, member in mapping.items():
            kind = type(member)
            if kind is str:
                member = mapping[name] = keep(member, member)
                key.append((name, member))
            elif kind is dict:
                member, inner = self.part(member)
                mapping[name] = member
                shareable = shareable and inner
                key.append((name, dict, id(member)))  # a shared mapping: the one object for its value
            elif kind in _SHAREABLE:
                key.append((name, kind, member))  # 1, True, 1.0 and Decimal(1) are equal: the type tells them apart
            elif kind in _SPELT:
                key.append((name, kind, repr(member)))
            else:
                if kind is list:
                    share_strings({name: member}, self.memo)
                shareable = False
        if not shareable:
            return mapping, False
        return self.parts.setdefault(tuple(key), mapping), True


def _has_values(live: dict[str, Any], declared: dict[str, Any]) -> bool:
    def narrowed(value: Any, like: Any) -> Any:
        if isinstance(value, dict) and isinstance(like, dict):
            return {k: narrowed(value.get(k), v) for k, v in like.items()}
        return value
    return all(narrowed(live.get(ref), value) == value for ref, value in declared.items())
