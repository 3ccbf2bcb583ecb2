"""The search outbox and the PostgreSQL backend's index tables (one row per searchable listing)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A listing changed and the index must follow. Pending until a drain applies it; after
    OUTBOX_MAX_ATTEMPTS failed tries it is marked failed (`failed_at`) and left for an
    operator (admin filter, `search_reconcile`), so it can never hold other events back."""

    class Entity(models.TextChoices):
        OFFERING = "offering", _("供给")
        DEMAND = "demand", _("需求")

    entity = models.CharField(_("对象类型"), max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField(_("对象ID"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    available_at = models.DateTimeField(_("可处理时间"), auto_now_add=True, db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("搜索同步事件")
        verbose_name_plural = _("搜索同步事件")

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id}"


def _codes(verbose_name: str) -> ArrayField:
    return ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=verbose_name
    )


class IndexEntry(models.Model):
    """What a hit shows, and the fingerprint reconciliation compares; `id` is the listing's
    id, `updated_at` its version. Searching itself reads the narrow ranking table beside it."""

    id = models.BigIntegerField(primary_key=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    organization_id = models.BigIntegerField(null=True)
    organization_name = models.CharField(max_length=200, blank=True)
    verified = models.BooleanField(default=False)
    sectors = _codes(_("行业"))
    technologies = _codes(_("网络技术"))
    kinds = _codes(_("类型"))
    functions = _codes(_("产品功能"))
    scenarios = _codes(_("应用场景"))
    certifications = _codes(_("认证"))
    regions = ArrayField(models.CharField(max_length=6), default=list, blank=True)
    # The provinces of `regions`, so a province filter finds city-level listings without joins.
    region_provinces = ArrayField(models.CharField(max_length=6), default=list, blank=True)
    nationwide = models.BooleanField(default=False)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    capacity = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()
    source_hash = models.CharField(max_length=32)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class OfferingIndexEntry(IndexEntry):
    """A published offering as the PostgreSQL backend searches it."""

    model_number = models.CharField(max_length=100, blank=True)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("供给索引")
        verbose_name_plural = _("供给索引")


class DemandIndexEntry(IndexEntry):
    """A published, publicly visible demand as the PostgreSQL backend searches it.

    Anonymous demands are stored without organisation id or name, so not even a text search
    for the enterprise's name can reveal them.
    """

    volume_band = models.CharField(max_length=12, blank=True)

    class Meta:
        verbose_name = _("需求索引")
        verbose_name_plural = _("需求索引")


class FacetTerm(models.Model):
    """A facet value (`facet`, `code`) numbered for the ranking tables: `id` is what their
    `terms` arrays hold (filters through one GIN index), `bit` its position in the facet's
    bitmask (counting, NULL for facets that are only filtered on, such as cities).

    Append-only: a number, once given, never changes, so stored rows stay valid.
    """

    facet = models.CharField(max_length=20)
    code = models.CharField(max_length=40)
    bit = models.SmallIntegerField(null=True)

    class Meta:
        verbose_name = _("搜索分面值")
        verbose_name_plural = _("搜索分面值")
        constraints = [
            models.UniqueConstraint(fields=["facet", "code"], name="search_facetterm_unique"),
            models.UniqueConstraint(fields=["facet", "bit"], name="search_facetterm_bit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}:{self.code}"


class Ranking(models.Model):
    """The narrow table a search reads for every match (≈ a third of the display row):
    text vectors, facet filter terms and bitmasks, sort keys. No display text; the page's
    display rows come from the IndexEntry table by id."""

    id = models.BigIntegerField(primary_key=True)
    # Weights: title words outrank vendor words, which outrank description words. Built at
    # write time from the jieba tokens, which are not stored.
    search_vector = SearchVectorField()
    # Title (and model number) words only, so broad queries can take title matches first.
    title_vector = SearchVectorField()
    # Names and model numbers for trigram (typo) matching.
    typo_text = models.CharField(max_length=320, blank=True)
    terms = ArrayField(models.IntegerField(), default=list)
    # The function facet's term ids (also in `terms`), sorted; counted by grouping on the
    # array: there are more functions (91) than a bigint bitmask holds, and a listing has one
    # or a few, so there are few distinct arrays.
    function_terms = ArrayField(models.IntegerField(), default=list)
    # The scenario facet's term ids, counted the same way (50 scenarios and growing: more than
    # a bitmask should be trusted with).
    scenario_terms = ArrayField(models.IntegerField(), default=list)
    kind_bits = models.BigIntegerField(default=0)
    sector_bits = models.BigIntegerField(default=0)
    technology_bits = models.BigIntegerField(default=0)
    certification_bits = models.BigIntegerField(default=0)
    province_bits = models.BigIntegerField(default=0)
    nationwide = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    capacity = models.BigIntegerField(default=0)
    volume_band = models.CharField(max_length=12, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.id)


def _ranking_indexes(prefix: str) -> list:
    return [
        GinIndex(fields=["search_vector"], name=f"{prefix}_fts_gin"),
        GinIndex(fields=["title_vector"], name=f"{prefix}_title_fts_gin"),
        GinIndex(fields=["typo_text"], opclasses=["gin_trgm_ops"], name=f"{prefix}_typo_trgm"),
        GinIndex(fields=["terms"], name=f"{prefix}_terms_gin"),
        models.Index(fields=["price", "id"], name=f"{prefix}_price_id"),
        models.Index(fields=["capacity", "id"], name=f"{prefix}_capacity_id"),
        models.Index(fields=["updated_at", "id"], name=f"{prefix}_updated_id"),
    ]


class OfferingRanking(Ranking):
    class Meta:
        verbose_name = _("供给检索表")
        verbose_name_plural = _("供给检索表")
        indexes = _ranking_indexes("srch_offr")


class DemandRanking(Ranking):
    class Meta:
        verbose_name = _("需求检索表")
        verbose_name_plural = _("需求检索表")
        indexes = _ranking_indexes("srch_demr")


class VocabularyTerm(models.Model):
    """A word the index of one entity holds, with its pinyin, for understanding queries:
    pinyin and initials typed for Chinese (shuibiao, sb → 水表), typos (水标 → 水表, a swapped
    letter in a Latin word) and "did you mean".

    `listings` counts the listings holding the word anywhere, `named` those whose function
    or kind names hold it (what a product *is*: the words corrections prefer). Exact after
    `search_reindex`; listings indexed since then add their new words with a count of one
    (counts only rank candidates, and a stale word is never suggested without results).
    """

    entity = models.CharField(max_length=12)
    term = models.CharField(max_length=64)
    # Toneless syllables joined ('shuibiao') and their first letters ('sb'); empty for words
    # without Chinese characters.
    pinyin = models.CharField(max_length=255, blank=True)
    initials = models.CharField(max_length=64, blank=True)
    listings = models.IntegerField(default=0)
    named = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("搜索词表")
        verbose_name_plural = _("搜索词表")
        constraints = [
            models.UniqueConstraint(fields=["entity", "term"], name="search_vocabulary_unique")
        ]
        indexes = [
            models.Index(fields=["entity", "pinyin"], name="srch_vocab_pinyin"),
            models.Index(fields=["entity", "initials"], name="srch_vocab_initials"),
            GinIndex(fields=["term"], opclasses=["gin_trgm_ops"], name="srch_vocab_term_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.entity}:{self.term}"
