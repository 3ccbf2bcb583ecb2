"""The search outbox and the PostgreSQL backend's index tables (one row per searchable listing)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    class Entity(models.TextChoices):
        OFFERING = "offering", _("供给")
        DEMAND = "demand", _("需求")

    entity = models.CharField(_("对象类型"), max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField(_("对象ID"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    available_at = models.DateTimeField(_("可处理时间"), auto_now_add=True, db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("搜索同步事件")
        verbose_name_plural = _("搜索同步事件")

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id}"


def _codes(verbose_name: str) -> ArrayField:
    return ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=verbose_name
    )


def _search_vector() -> models.GeneratedField:
    # Weights: title words outrank vendor words, which outrank description words. The tokens
    # are jieba-segmented and space-joined, so the 'simple' parser only splits on spaces.
    return models.GeneratedField(
        expression=SearchVector("title_tokens", config="simple", weight="A")
        + SearchVector("vendor_tokens", config="simple", weight="B")
        + SearchVector("body_tokens", config="simple", weight="C"),
        output_field=SearchVectorField(),
        db_persist=True,
    )


class IndexEntry(models.Model):
    """Fields both index tables share; `id` is the listing's id, `updated_at` its version."""

    id = models.BigIntegerField(primary_key=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    organization_id = models.BigIntegerField(null=True)
    organization_name = models.CharField(max_length=200, blank=True)
    verified = models.BooleanField(default=False)
    sectors = _codes(_("行业"))
    technologies = _codes(_("网络技术"))
    kinds = _codes(_("类型"))
    certifications = _codes(_("认证"))
    regions = ArrayField(models.CharField(max_length=6), default=list, blank=True)
    # The provinces of `regions`, so a province filter finds city-level listings without joins.
    region_provinces = ArrayField(models.CharField(max_length=6), default=list, blank=True)
    nationwide = models.BooleanField(default=False)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    capacity = models.BigIntegerField(default=0)
    title_tokens = models.TextField(blank=True)
    vendor_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    search_vector = _search_vector()
    updated_at = models.DateTimeField()
    source_hash = models.CharField(max_length=32)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


def _indexes(prefix: str) -> list:
    return [
        GinIndex(fields=["search_vector"], name=f"{prefix}_fts_gin"),
        GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name=f"{prefix}_title_trgm"),
        GinIndex(fields=["sectors"], name=f"{prefix}_sectors_gin"),
        GinIndex(fields=["technologies"], name=f"{prefix}_tech_gin"),
        GinIndex(fields=["kinds"], name=f"{prefix}_kinds_gin"),
        GinIndex(fields=["certifications"], name=f"{prefix}_certs_gin"),
        GinIndex(fields=["regions"], name=f"{prefix}_regions_gin"),
        GinIndex(fields=["region_provinces"], name=f"{prefix}_provinces_gin"),
        models.Index(fields=["price", "id"], name=f"{prefix}_price_id"),
        models.Index(fields=["capacity", "id"], name=f"{prefix}_capacity_id"),
        models.Index(fields=["updated_at", "id"], name=f"{prefix}_updated_id"),
    ]


class OfferingIndexEntry(IndexEntry):
    """A published offering as the PostgreSQL backend searches it."""

    model_number = models.CharField(max_length=100, blank=True)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("供给索引")
        verbose_name_plural = _("供给索引")
        indexes = [
            *_indexes("srch_off"),
            GinIndex(
                fields=["model_number"], opclasses=["gin_trgm_ops"], name="srch_off_model_trgm"
            ),
        ]


class DemandIndexEntry(IndexEntry):
    """A published, publicly visible demand as the PostgreSQL backend searches it.

    Anonymous demands are stored without organisation id or name, so not even a text search
    for the enterprise's name can reveal them.
    """

    volume_band = models.CharField(max_length=12, blank=True)

    class Meta:
        verbose_name = _("需求索引")
        verbose_name_plural = _("需求索引")
        indexes = _indexes("srch_dem")
