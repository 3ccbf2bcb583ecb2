"""Factories for the domain objects; reference rows are created on demand, matched by code."""

from __future__ import annotations

import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from apps.accounts.credit_code import check_character, organization_code_check
from apps.accounts.models import COORDINATOR_GROUP, Membership, Organization, User
from apps.catalog.models import (
    Function,
    Offering,
    Region,
    Scenario,
    Sector,
    SupplyKind,
    Technology,
)
from apps.catalog.reference.functions import guess_function
from apps.demands.models import Demand
from apps.matching.models import Match

_serial = itertools.count(1)


def credit_code() -> str:
    """A fresh valid unified social credit code (Shijiazhuang, organisation code 8 digits)."""
    organization = f"{next(_serial):08d}"
    body = "91130100" + organization + organization_code_check(organization)
    return body + check_character(body)


def region(code: str, name: str = "", parent: str | None = None) -> Region:
    """A region by its code's level: a city gets its province, a county its city."""
    if code.endswith("0000"):
        level, above = Region.Level.PROVINCE, None
    elif code.endswith("00"):
        level, above = Region.Level.CITY, region(code[:2] + "0000")
    else:
        level, above = Region.Level.COUNTY, region(parent or code[:4] + "00")
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": name or code,
            "name_en": name or code,
            "level": level,
            "parent": above,
        },
    )
    return obj


def sector(code: str = "municipal") -> Sector:
    obj, _ = Sector.objects.get_or_create(
        code=code, defaults={"name_zh": code, "name_en": code, "direction": "governance"}
    )
    return obj


def scenario(code: str = "municipal.water_meter", sector_code: str = "municipal") -> Scenario:
    obj, _ = Scenario.objects.get_or_create(
        code=code, defaults={"name_zh": code, "name_en": code, "sector": sector(sector_code)}
    )
    return obj


def kind(code: str = "module", spec: dict | None = None) -> SupplyKind:
    obj, _ = SupplyKind.objects.get_or_create(
        code=code, defaults={"name_zh": code, "name_en": code, "attribute_spec": spec or {}}
    )
    return obj


def technology(code: str = "nb_iot") -> Technology:
    obj, _ = Technology.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": code,
            "name_en": code,
            "max_uplink_kbps": 150,
            "typical_latency_ms": 2000,
            "max_mobility": 1,
            "max_coverage_depth": 2,
            "max_battery_years": Decimal("10"),
            "supports_voice": False,
            "supports_video": False,
            "supports_positioning": True,
            "module_price_min": Decimal("10"),
            "module_price_max": Decimal("20"),
            "cost_rank": 1,
        },
    )
    return obj


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pass-2026-secret")
        if create:
            self.save(update_fields=["password"])


def coordinator(username: str = "coord") -> User:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=COORDINATOR_GROUP)[0])
    return User.objects.get(pk=user.pk)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试组织{n}")
    credit_code = factory.LazyFunction(credit_code)
    role = Organization.Role.VENDOR
    province = factory.LazyFunction(lambda: region("130000", "河北省"))
    verification_status = Organization.Verification.VERIFIED
    contact_name = "张三"
    contact_phone = "0311-12345678"
    contact_email = "contact@example.com"


def member(organization: Organization, username: str, role: str = "owner") -> User:
    user = UserFactory(username=username)
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"role": role})
    return User.objects.get(pk=user.pk)


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    organization = factory.SubFactory(OrganizationFactory)
    kind = factory.LazyFunction(kind)
    name = factory.Sequence(lambda n: f"NB-IoT 模组 BC{n}")
    sectors = factory.LazyFunction(lambda: [sector().code])
    technologies = factory.LazyFunction(lambda: [technology().code])
    nationwide = True
    price_min = Decimal("12")
    price_max = Decimal("18")
    annual_capacity = 1_000_000
    status = Offering.Status.PUBLISHED
    # What the vendor would declare: the platform's guess from the listing (None when the
    # reference data is not loaded).
    function = factory.LazyAttribute(
        lambda o: Function.objects.filter(
            code=guess_function(
                o.kind.code,
                technologies=list(o.technologies),
                scenarios=list(getattr(o, "scenarios", None) or []),
                name=o.name,
                description=getattr(o, "description", "") or "",
            )
        ).first()
    )


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    organization = factory.SubFactory(OrganizationFactory, role=Organization.Role.ENTERPRISE)
    title = factory.Sequence(lambda n: f"河北省智能水表采购 {n}")
    sector = factory.LazyFunction(sector)
    kinds_needed = factory.LazyFunction(lambda: [kind().code])
    regions = factory.LazyFunction(lambda: [region("130000", "河北省").code])
    volume = 200_000
    status = Demand.Status.PUBLISHED
    # Pre-filled from the scenario, as the form and the API do.
    functions = factory.LazyAttribute(
        lambda d: list(d.scenario.functions) if getattr(d, "scenario", None) else []
    )


def stored_match(demand: Demand, offering: Offering, score: float = 80.0, **fields) -> Match:
    """A match as the matching worker stores it (suggested by the engine) for one offering;
    `fields` add to or replace the defaults (kind, explanations, breakdown …)."""
    from django.utils import timezone

    defaults = {
        "vendor_ids": [offering.organization_id],
        "pair_key": f"o:{offering.pk}",
        "kind": offering.kind_id,
        "score": score,
        "explanation_zh": f"匹配度 {score:.0f} 分。",
        "explanation_en": f"Score {score:.0f}.",
        "engine_version": "test",
        "computed_at": timezone.now(),
    }
    return Match.objects.create(demand=demand, offering=offering, **(defaults | fields))
