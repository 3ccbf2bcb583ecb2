"""One contract for every search backend: the same listings give the same answers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.accounts.models import Organization
from apps.catalog.models import Offering
from apps.search.backends.base import SearchQuery
from apps.search.documents import DEMAND, OFFERING, source_rows, with_tokens
from apps.search.selectors import _region_names, search_listings
from apps.search.services import search_reconcile, search_reindex, search_sync
from tests import factories


def offering(**values) -> Offering:
    kind = values.pop("kind", "module")
    org = values.pop("organization", None) or factories.OrganizationFactory(
        name=values.pop("vendor", "测试厂商")
    )
    return factories.OfferingFactory(organization=org, kind=factories.kind(kind), **values)


def search(backend, **params):
    return backend.search(SearchQuery(**params))


def ids(result) -> list[int]:
    return [hit.id for hit in result.hits]


def facet(result, name) -> dict[str, int]:
    return {bucket.key: bucket.count for bucket in result.facets[name]}


def index(backend, entities=(OFFERING, DEMAND)):
    search_reindex(entities=entities)


class TestChineseRelevance:
    def test_a_two_character_word_finds_it_inside_a_longer_name(self, search_backend):
        # given
        meter = offering(name="智能水表远程抄表方案", description="NB-IoT 无磁计量")
        offering(name="智能电表集中器", description="电力载波")
        index(search_backend)
        # when
        result = search(search_backend, text="水表")
        # then
        assert ids(result) == [meter.id]
        assert result.hits[0].highlights["title"] == "智能<em>水表</em>远程抄表方案"

    def test_cold_chain_query_ranks_the_cold_chain_tracker_first(self, search_backend):
        # given
        generic = offering(
            name="通用资产追踪器",
            description="GPS 定位，可选温湿度传感器扩展，适合资产管理，也可用于冷链",
        )
        cold = offering(
            name="冷链温湿度追踪器", description="冷链运输全程温湿度记录，Cat.1 实时上报"
        )
        index(search_backend)
        # when
        result = search(search_backend, text="冷链 温湿度")
        # then
        assert ids(result) == [cold.id, generic.id]

    def test_a_typo_in_the_model_number_still_finds_it(self, search_backend):
        # given
        module = offering(name="Cat.1 模组", model_number="EC800N-CN")
        offering(name="NB-IoT 模组", model_number="BC260Y-CN")
        index(search_backend)
        # when
        result = search(search_backend, text="EC800M")
        # then
        assert ids(result) == [module.id]

    def test_english_and_mixed_queries_match_case_insensitively(self, search_backend):
        # given
        meter = offering(name="NB-IoT 智能水表", description="低功耗广域")
        offering(name="5G RedCap 工业网关")
        index(search_backend)
        # then
        assert ids(search(search_backend, text="nb-iot")) == [meter.id]
        assert ids(search(search_backend, text="IoT 水表")) == [meter.id]

    def test_the_vendor_name_is_searchable(self, search_backend):
        # given
        quectel = offering(name="BC260Y 模组", vendor="移远通信")
        offering(name="MC661 模组", vendor="广和通")
        index(search_backend)
        # then
        assert ids(search(search_backend, text="移远")) == [quectel.id]


class TestVisibility:
    def test_only_published_offerings_are_found(self, search_backend):
        # given
        published = offering(name="水表模组 A")
        for status in ("draft", "pending_review", "rejected", "archived"):
            offering(name=f"水表模组 {status}", status=status)
        index(search_backend)
        # then
        assert ids(search(search_backend, text="水表")) == [published.id]
        assert search(search_backend).total == 1

    def test_an_archived_offering_leaves_the_index_when_synced(self, search_backend):
        # given
        item = offering(name="水表模组")
        index(search_backend)
        # when
        Offering.objects.filter(pk=item.pk).update(status="archived")
        search_sync(entity=OFFERING, ids=[item.pk])
        search_backend.refresh(OFFERING)
        # then
        assert search(search_backend, text="水表").total == 0

    def test_demands_public_and_anonymous_only_and_anonymous_without_enterprise(
        self, search_backend
    ):
        # given
        org = factories.OrganizationFactory(name="保定水务集团", role=Organization.Role.ENTERPRISE)
        public = factories.DemandFactory(organization=org, title="智能水表采购（公开）")
        anonymous = factories.DemandFactory(
            organization=org, title="智能水表采购（匿名）", visibility="anonymous"
        )
        factories.DemandFactory(
            organization=org, title="智能水表（内部）", visibility="coordinators"
        )
        factories.DemandFactory(organization=org, title="智能水表（草稿）", status="draft")
        factories.DemandFactory(organization=org, title="智能水表（已关闭）", status="closed")
        index(search_backend)
        # when
        result = search(search_backend, entity=DEMAND, text="水表")
        # then
        assert sorted(ids(result)) == sorted([public.id, anonymous.id])
        by_id = {hit.id: hit.document for hit in result.hits}
        assert by_id[anonymous.id]["organization_name"] == ""
        assert by_id[anonymous.id]["organization_id"] is None
        assert by_id[public.id]["organization_name"] == "保定水务集团"
        # The enterprise's name does not find its anonymous demand.
        assert ids(search(search_backend, entity=DEMAND, text="保定水务")) == [public.id]


class TestFilters:
    @pytest.fixture
    def catalogue(self, search_backend):
        unverified = factories.OrganizationFactory(verification_status="pending")
        items = {
            "nb_meter": offering(
                name="NB 水表模组",
                kind="module",
                sectors=["municipal"],
                technologies=["nb_iot"],
                certifications=["srrc", "cta"],
                nationwide=False,
                regions=["130100"],
                price_min=Decimal("15"),
                price_max=Decimal("18"),
                annual_capacity=2_000_000,
            ),
            "cat1_tracker": offering(
                name="Cat.1 追踪器",
                kind="terminal",
                sectors=["transport_logistics"],
                technologies=["cat1"],
                certifications=["ccc"],
                nationwide=False,
                regions=["320000"],
                price_min=Decimal("120"),
                price_max=Decimal("150"),
                annual_capacity=300_000,
            ),
            "platform": offering(
                name="物联网平台",
                kind="platform",
                sectors=["municipal", "smart_grid"],
                technologies=["nb_iot", "cat1"],
                nationwide=True,
                price_min=Decimal("5000"),
                price_max=Decimal("50000"),
                annual_capacity=10_000_000,
            ),
            "unverified": offering(
                name="RedCap 网关",
                kind="terminal",
                sectors=["industrial_manufacturing"],
                technologies=["redcap"],
                nationwide=False,
                regions=["440300"],
                price_min=Decimal("800"),
                price_max=Decimal("900"),
                annual_capacity=50_000,
                organization=unverified,
            ),
        }
        index(search_backend)
        return {name: item.id for name, item in items.items()}

    def test_values_of_one_filter_are_alternatives_and_filters_combine(
        self, search_backend, catalogue
    ):
        result = search(search_backend, technologies=("nb_iot", "redcap"), sort="price")
        assert ids(result) == [
            catalogue["nb_meter"],
            catalogue["unverified"],
            catalogue["platform"],
        ]
        result = search(search_backend, technologies=("nb_iot",), kinds=("module",))
        assert ids(result) == [catalogue["nb_meter"]]

    def test_sector_certification_price_and_verified(self, search_backend, catalogue):
        assert sorted(ids(search(search_backend, sectors=("municipal",)))) == sorted(
            [catalogue["nb_meter"], catalogue["platform"]]
        )
        assert ids(search(search_backend, certifications=("ccc",))) == [catalogue["cat1_tracker"]]
        priced = search(
            search_backend, price_min=Decimal("100"), price_max=Decimal("1000"), sort="price"
        )
        assert ids(priced) == [catalogue["cat1_tracker"], catalogue["unverified"]]
        assert catalogue["unverified"] not in ids(search(search_backend, verified=True))
        assert ids(search(search_backend, verified=False)) == [catalogue["unverified"]]

    def test_regions_province_city_and_nationwide(self, search_backend, catalogue):
        # A province finds listings in its cities, and nationwide ones.
        assert sorted(ids(search(search_backend, regions=("130000",)))) == sorted(
            [catalogue["nb_meter"], catalogue["platform"]]
        )
        # A city finds listings serving its whole province.
        assert sorted(ids(search(search_backend, regions=("320500",)))) == sorted(
            [catalogue["cat1_tracker"], catalogue["platform"]]
        )
        # Another city of a province with city-level supply only: just nationwide.
        assert ids(search(search_backend, regions=("130200",))) == [catalogue["platform"]]

    def test_regions_county_city_and_province(self, search_backend):
        # given listings serving a county of Hangzhou, all of Hangzhou, and a Ningbo county
        factories.region("330100", "杭州市")
        factories.region("330106", "西湖区")
        factories.region("330105", "拱墅区")
        xihu = offering(nationwide=False, regions=["330106"])
        hangzhou = offering(nationwide=False, regions=["330100"])
        haishu = offering(nationwide=False, regions=["330203"])
        index(search_backend)
        # then a county finds listings in it and in its city
        found = sorted(ids(search(search_backend, regions=("330106",))))
        assert found == sorted([xihu.id, hangzhou.id])
        # another county of the city only the city-wide one
        assert ids(search(search_backend, regions=("330105",))) == [hangzhou.id]
        # the city finds listings in it (and, through search_listings, in its counties)
        assert ids(search(search_backend, regions=("330100",))) == [hangzhou.id]
        found = ids(search_listings(query=SearchQuery(regions=("330100",))))
        assert sorted(found) == sorted([xihu.id, hangzhou.id])
        # and so does the city's name typed in the query (place names read afresh)
        _region_names.cache_clear()
        found = ids(search_listings(query=SearchQuery(text="杭州")))
        assert sorted(found) == sorted([xihu.id, hangzhou.id])
        # the province every one of them; the facet counts counties under their province
        found = sorted(ids(search(search_backend, regions=("330000",))))
        assert found == sorted([xihu.id, hangzhou.id, haishu.id])
        assert facet(search(search_backend), "region") == {"330000": 3}

    def test_facets_count_every_match(self, search_backend, catalogue):
        # when
        result = search(search_backend)
        # then
        assert result.total == 4
        assert facet(result, "kind") == {"module": 1, "terminal": 2, "platform": 1}
        assert facet(result, "technology") == {"nb_iot": 2, "cat1": 2, "redcap": 1}
        assert facet(result, "sector")["municipal"] == 2
        assert facet(result, "certification") == {"srrc": 1, "cta": 1, "ccc": 1}
        assert facet(result, "region") == {"nationwide": 1, "130000": 2, "320000": 2, "440000": 2}
        assert facet(result, "price") == {"lt_20": 1, "50_200": 1, "200_1000": 1, "gte_1000": 1}
        assert facet(result, "verified") == {"true": 3, "false": 1}

    def test_facets_follow_text_and_filters(self, search_backend, catalogue):
        result = search(search_backend, text="模组", technologies=("nb_iot",))
        assert result.total == 1
        assert facet(result, "kind") == {"module": 1}

    def test_demand_facets_and_volume_bands(self, search_backend):
        # given
        small = factories.DemandFactory(title="小批量", volume=500, kinds_needed=["module"])
        big = factories.DemandFactory(
            title="大规模",
            volume=2_000_000,
            kinds_needed=["module", "platform"],
            unit_budget=Decimal("20"),
        )
        index(search_backend, (DEMAND,))
        # when
        result = search(search_backend, entity=DEMAND)
        # then
        assert facet(result, "volume") == {"lt_1k": 1, "gte_1m": 1}
        assert facet(result, "kind") == {"module": 2, "platform": 1}
        assert ids(search(search_backend, entity=DEMAND, volume_bands=("gte_1m",))) == [big.id]
        assert ids(search(search_backend, entity=DEMAND, sort="capacity")) == [big.id, small.id]


class TestSortingAndPaging:
    @pytest.fixture
    def many(self, search_backend):
        org = factories.OrganizationFactory()
        items = [
            offering(
                organization=org,
                name=f"水表模组 {i}",
                description="水表" * (i % 4 + 1),
                price_min=Decimal(10 + i % 5),
                price_max=Decimal(100),
                annual_capacity=1000 * (i % 7),
            )
            for i in range(13)
        ]
        # Distinct, known update times for the recency order.
        for i, item in enumerate(items):
            Offering.objects.filter(pk=item.pk).update(
                updated_at=item.updated_at - timedelta(minutes=i)
            )
        index(search_backend)
        return [item.id for item in items]

    @pytest.mark.parametrize("sort", ["relevance", "price", "-price", "capacity", "recent"])
    def test_cursor_pages_visit_every_match_once_in_order(self, search_backend, many, sort):
        # given
        everything = search(search_backend, text="水表", sort=sort, page_size=100)
        # when
        seen, cursor = [], None
        while True:
            page = search(search_backend, text="水表", sort=sort, page_size=4, cursor=cursor)
            seen += ids(page)
            cursor = page.next_cursor
            if cursor is None:
                break
        # then
        assert seen == ids(everything)
        assert sorted(seen) == sorted(many)

    def test_sort_orders(self, search_backend, many):
        rows = {o.id: o for o in Offering.objects.filter(id__in=many)}
        by_price = ids(search(search_backend, sort="price", page_size=100))
        assert [rows[i].price_min for i in by_price] == sorted(o.price_min for o in rows.values())
        by_capacity = ids(search(search_backend, sort="capacity", page_size=100))
        capacities = [rows[i].annual_capacity for i in by_capacity]
        assert capacities == sorted(capacities, reverse=True)
        assert ids(search(search_backend, sort="recent", page_size=100)) == many
        # Relevance without text is recency.
        assert ids(search(search_backend, page_size=100)) == many


class TestVersions:
    def test_a_stale_document_never_overwrites_a_newer_one(self, search_backend):
        # given
        item = offering(name="新名称水表")
        index(search_backend)
        (stale,) = next(source_rows(OFFERING, ids=[item.id]))
        stale = {**stale, "title": "旧名称电表", "updated_at": stale["updated_at"] - timedelta(1)}
        # when
        search_backend.upsert(OFFERING, [with_tokens(stale)])
        search_backend.refresh(OFFERING)
        # then
        assert ids(search(search_backend, text="水表")) == [item.id]
        assert search(search_backend, text="电表").total == 0

    def test_reindex_removes_what_is_no_longer_searchable(self, search_backend):
        item = offering(name="水表")
        index(search_backend)
        Offering.objects.filter(pk=item.pk).update(status="draft")
        index(search_backend)
        assert search(search_backend).total == 0


@pytest.mark.parametrize(
    "text",
    [
        "😀🚀 水表 🙂",
        "\u200b水\u200d表\u2060\ufeff",
        "\\ \\\\ % _ %% :: $$ 水表",
        '"水表"',
        "(水表)*",
        "ＮＢ－ＩｏＴ　水表",
        "水表" * 100,
    ],
)
def test_punctuation_emoji_and_invisible_characters_are_ignored(search_backend, text):
    # given
    meter = offering(name="NB-IoT 智能水表")
    index(search_backend)
    # when
    result = search(search_backend, text=text)
    # then
    assert ids(result) == [meter.id]


@pytest.mark.parametrize(
    "text",
    [
        '"水表" OR 1=1 --',
        "水表 | 电表",
        "水表 AND (电表 | !燃气) <-> *",
        "水表'; DELETE FROM search_offeringindexentry; --",
        "name:水表 OR *:*",
        '水表" || "',
    ],
)
def test_operators_are_plain_words_and_never_widen_the_search(search_backend, text):
    # given: were any of these parsed as syntax, the electricity meter would be found too
    offering(name="NB-IoT 智能水表")
    electric = offering(name="智能电表 燃气表")
    index(search_backend)
    # when
    result = search(search_backend, text=text)
    # then: every word must match, and the operators are words nobody listed
    assert electric.id not in ids(result)
    assert result.total <= 1


@pytest.mark.parametrize("text", ["😀🚀", "\u200b\u200d", "!!! ??? ***", '""'])
def test_text_without_words_finds_nothing(search_backend, text):
    offering(name="NB-IoT 智能水表")
    index(search_backend)
    result = search(search_backend, text=text)
    assert result.total == 0
    assert result.hits == []


class TestDemandsWithoutABudget:
    @pytest.fixture
    def demands(self, search_backend):
        budgets = [Decimal("20"), None, Decimal("5"), None, Decimal("12.5"), None]
        items = [
            factories.DemandFactory(title=f"水表采购 {i}", unit_budget=budget)
            for i, budget in enumerate(budgets)
        ]
        # Through the path the outbox takes (row by row), not only the bulk rebuild.
        search_sync(entity=DEMAND, ids=[d.id for d in items])
        search_backend.refresh(DEMAND)
        return items

    @pytest.mark.parametrize("sort", ["price", "-price"])
    def test_budget_less_demands_are_found_and_sort_last_in_both_directions(
        self, search_backend, demands, sort
    ):
        # when
        everything = search(search_backend, entity=DEMAND, text="水表", sort=sort, page_size=100)
        # then
        budgeted = sorted(
            (d for d in demands if d.unit_budget is not None),
            key=lambda d: d.unit_budget,
            reverse=sort == "-price",
        )
        unbudgeted = sorted(
            (d.id for d in demands if d.unit_budget is None), reverse=sort == "-price"
        )
        assert ids(everything) == [d.id for d in budgeted] + unbudgeted
        # and cursor pages walk across the budget-less ones without loss or repeat
        seen, cursor = [], None
        while True:
            page = search(
                search_backend, entity=DEMAND, text="水表", sort=sort, page_size=2, cursor=cursor
            )
            seen += ids(page)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == ids(everything)

    def test_a_price_filter_leaves_budget_less_demands_out(self, search_backend, demands):
        result = search(search_backend, entity=DEMAND, price_min=Decimal("10"), sort="price")
        assert [hit.document["price"] for hit in result.hits] == [Decimal("12.50"), Decimal("20")]


class TestReconcile:
    def test_reconcile_reports_drift_and_repair_removes_it(self, search_backend):
        # given: an index in step with the database, then three kinds of drift
        missing = offering(name="漏掉的水表")
        stale = offering(name="过期的")
        extra = offering(name="多余的水表")
        kept = offering(name="没变的水表")
        demand = factories.DemandFactory(title="水表需求", unit_budget=None)
        index(search_backend)
        search_backend.delete(OFFERING, [missing.id])
        search_backend.refresh(OFFERING)
        Offering.objects.filter(pk=stale.pk).update(name="改名后的水表")
        Offering.objects.filter(pk=extra.pk).update(status="archived")
        # when
        report = {d.entity: d for d in search_reconcile()}
        # then: reported, nothing changed yet
        assert report[OFFERING].missing == [missing.id]
        assert report[OFFERING].stale == [stale.id]
        assert report[OFFERING].extra == [extra.id]
        assert report[DEMAND].total == 0
        assert sorted(ids(search(search_backend, text="水表"))) == sorted([extra.id, kept.id])
        # when
        search_reconcile(repair=True)
        # then
        assert all(d.total == 0 for d in search_reconcile())
        assert sorted(ids(search(search_backend, text="水表"))) == sorted(
            [missing.id, stale.id, kept.id]
        )
        assert ids(search(search_backend, entity=DEMAND, text="水表")) == [demand.id]


class TestStaleWrites:
    def test_only_a_newer_or_equal_version_replaces_a_document(self, search_backend):
        # given: three versions of one listing
        item = offering(name="水表 v2", vendor="甲厂")
        (source,) = next(source_rows(OFFERING, ids=[item.id]))
        v2 = source["updated_at"]

        def version(title, at, vendor="甲厂"):
            changed = {"title": title, "organization_name": vendor, "updated_at": at}
            return with_tokens({**source, **changed})

        # when: written out of order, as racing workers might
        search_backend.upsert(OFFERING, [version("水表 v2", v2)])
        search_backend.upsert(OFFERING, [version("电表 v1", v2 - timedelta(seconds=1))])
        search_backend.refresh(OFFERING)
        # then: the older one was refused
        assert ids(search(search_backend, text="水表")) == [item.id]
        assert search(search_backend, text="电表").total == 0
        # when: the same version again with a renamed vendor, then a newer one, then the old
        search_backend.upsert(OFFERING, [version("水表 v2", v2, vendor="乙厂")])
        search_backend.refresh(OFFERING)
        assert ids(search(search_backend, text="乙厂")) == [item.id]
        search_backend.upsert(OFFERING, [version("燃气表 v3", v2 + timedelta(seconds=1))])
        search_backend.upsert(OFFERING, [version("水表 v2", v2)])
        search_backend.refresh(OFFERING)
        # then
        assert ids(search(search_backend, text="燃气表")) == [item.id]
        assert search(search_backend, text="水表").total == 0


class TestFailedRebuild:
    def test_a_rebuild_that_fails_midway_leaves_the_old_index_and_nothing_else(
        self, search_backend
    ):
        # given
        item = offering(name="水表")
        index(search_backend)
        before = leftovers(search_backend, OFFERING)

        def batches():
            yield [with_tokens(row) for row in next(source_rows(OFFERING))]
            raise RuntimeError("the database went away mid-rebuild")

        # when
        with pytest.raises(RuntimeError, match="went away"):
            search_backend.rebuild(OFFERING, batches())
        # then: searches answer from the old index, and the half-built one is gone
        assert ids(search(search_backend, text="水表")) == [item.id]
        assert leftovers(search_backend, OFFERING) == before == []


def leftovers(backend, entity: str) -> list[str]:
    """What a rebuild may leave behind: PostgreSQL `…__new` tables, Elasticsearch indices
    of the entity that are not behind its alias."""
    if backend.name == "postgres":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE %s", ["%\\_\\_new"]
            )
            return [row[0] for row in cursor.fetchall()]
    from apps.search.backends.elasticsearch import alias_name

    alias = alias_name(entity)
    return sorted(n for n, a in backend._entity_indices(entity).items() if alias not in a)
