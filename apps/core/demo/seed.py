"""Write the demo market into the database (COPY) and the demo logins."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models import Max

from apps.accounts.models import COORDINATOR_GROUP, Membership, Organization, User
from apps.catalog.models import Offering
from apps.core.exceptions import Conflict
from apps.demands.models import Demand

from . import bulk, generator

# The documented demo login password; demo users exist only where seed_demo ran.
DEMO_PASSWORD = "demo-pass-2026"
# Apps whose models the demo coordinator may manage in the Django admin.
PROJECT_APPS = (
    "accounts", "catalog", "demands", "matching", "search", "coordination", "integrations", "core",
)  # fmt: skip
# Dropping a table's secondary indexes and building them once after COPY beats maintaining
# them row by row from about this many rows on.
REBUILD_INDEXES_FROM = 50_000
TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class SeedReport:
    organizations: int = 0
    offerings: int = 0
    demands: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def demo_anchor(day: dt.date | None = None) -> dt.datetime:
    """The demo's "now": 09:00 Beijing time on `day` (today by default); rows are dated from it."""
    day = day or dt.datetime.now(TZ).date()
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=TZ)


def _copy(model, columns, lines, expected: int, seconds: dict[str, float]) -> int:
    """COPY rows into the model's table, timing each phase into `seconds`.

    Large loads drop the table's secondary indexes and foreign keys first and re-create them
    afterwards: building an index once and validating a key with one join beats maintaining
    them row by row (1M offerings: row-by-row FK checks alone took ~20 s).
    """
    label = model._meta.model_name
    mark = time.perf_counter()
    bulky = expected >= REBUILD_INDEXES_FROM
    indexes = bulk.secondary_indexes(model) if bulky else []
    keys = bulk.foreign_keys(model) if bulky else []
    if bulky:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # ALTER TABLE refuses while earlier deferred key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    bulk.drop_indexes(indexes)
    bulk.drop_foreign_keys(model, keys)
    count = bulk.copy_rows(model, columns, lines)
    seconds[f"{label} copy"] = time.perf_counter() - mark
    mark = time.perf_counter()
    bulk.add_foreign_keys(model, keys)
    bulk.create_indexes(indexes)
    bulk.sequence_reset(model)
    seconds[f"{label} keys+indexes"] = time.perf_counter() - mark
    return count


def demo_flush() -> None:
    """Remove every organisation, offering and demand (and what cascades from them)."""
    tables = [Offering._meta.db_table, Demand._meta.db_table, Organization._meta.db_table]
    with connection.cursor() as cursor:
        # TRUNCATE refuses while deferred key checks of this transaction are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )


@transaction.atomic
def demo_seed(
    *, offerings: int, demands: int, seed: int, anchor: dt.datetime, flush: bool = False
) -> SeedReport:
    """Generate and COPY a demo market in one transaction; the same arguments give the same rows.

    Raises Conflict when offerings or demands exist and `flush` is not set.
    """
    if flush:
        demo_flush()
    elif Offering.objects.exists() or Demand.objects.exists():
        raise Conflict("demo_not_empty", "数据库中已有供给或需求；如需重新生成请使用 --flush。")
    report = SeedReport()
    ref = generator.reference_snapshot()
    if not ref.provinces or not ref.technologies:
        raise Conflict("reference_missing", "参考数据为空，请先运行 load_reference。")
    vendor_count = max(30, offerings // 120)
    enterprise_count = max(20, demands // 6)
    start_id = (Organization.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    vendors, enterprises = generator.organizations(
        ref=ref,
        seed=seed,
        vendors=vendor_count,
        enterprises=enterprise_count,
        start_id=start_id,
        anchor=anchor,
        taken_codes=set(Organization.objects.values_list("credit_code", flat=True)),
    )
    orgs = vendors + enterprises
    report.organizations = _copy(
        Organization,
        generator.ORGANIZATION_COLUMNS,
        generator.organization_lines(orgs, seed=seed, anchor=anchor),
        len(orgs),
        report.seconds,
    )
    report.offerings = _copy(
        Offering,
        generator.OFFERING_COLUMNS,
        generator.offering_lines(
            ref=ref, vendors=vendors, count=offerings, seed=seed, start_id=1, anchor=anchor
        ),
        offerings,
        report.seconds,
    )
    report.demands = _copy(
        Demand,
        generator.DEMAND_COLUMNS,
        generator.demand_lines(
            ref=ref, enterprises=enterprises, count=demands, seed=seed, start_id=1, anchor=anchor
        ),
        demands,
        report.seconds,
    )
    mark = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Organization, Offering, Demand):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    report.seconds["analyze"] = time.perf_counter() - mark
    return report


def _demo_user(username: str, display_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name}
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_users_ensure() -> list[str]:
    """Create or repair the demo logins; returns their usernames. Idempotent.

    coordinator: staff in the coordinator group with every permission on the project's models;
    vendor / enterprise: owners of the demo vendor and demo enterprise, when those exist.
    """
    coordinator = _demo_user("coordinator", "平台协调员")
    if not coordinator.is_staff:
        coordinator.is_staff = True
        coordinator.save(update_fields=["is_staff"])
    group, _ = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    coordinator.groups.add(group)
    coordinator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=PROJECT_APPS)
    )
    names = ["coordinator"]
    for username, display, code in (
        ("vendor", "演示厂商管理员", generator.DEMO_VENDOR_CODE),
        ("enterprise", "演示企业管理员", generator.DEMO_ENTERPRISE_CODE),
    ):
        user = _demo_user(username, display)
        organization = Organization.objects.filter(credit_code=code).first()
        if organization:
            Membership.objects.update_or_create(
                user=user, organization=organization, defaults={"role": Membership.Role.OWNER}
            )
        names.append(username)
    return names
