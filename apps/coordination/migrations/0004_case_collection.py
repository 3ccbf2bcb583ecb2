"""Typical cases are collected, not just published: nomination, both parties' consent and a
coordinator's assessment come first. Cases published before this were published directly."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def existing_cases_are_published(apps, schema_editor):
    TypicalCase = apps.get_model("coordination", "TypicalCase")
    TypicalCase.objects.update(status="published", created_at=models.F("published_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("coordination", "0003_typical_case"),
        ("matching", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="typicalcase",
            name="match",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="matching.match",
                verbose_name="来源匹配",
            ),
        ),
        migrations.AlterField(
            model_name="typicalcase",
            name="published_at",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True, verbose_name="发布时间"
            ),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="status",
            field=models.CharField(
                choices=[
                    ("nominated", "待双方同意"),
                    ("in_review", "待协调员审核"),
                    ("published", "已发布"),
                    ("rejected", "未入选"),
                    ("declined", "一方未同意"),
                ],
                default="nominated",
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="results",
            field=models.TextField(blank=True, max_length=4000, verbose_name="应用成效"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="title_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="英文标题"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="summary_en",
            field=models.TextField(blank=True, max_length=4000, verbose_name="英文摘要"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="results_en",
            field=models.TextField(blank=True, max_length=4000, verbose_name="英文成效"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="nomination_note",
            field=models.TextField(blank=True, max_length=2000, verbose_name="推荐理由"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="nominated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="推荐人",
            ),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="assessment",
            field=models.JSONField(blank=True, default=dict, verbose_name="评审意见"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="rejection_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="未入选原因"),
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, default=django.utils.timezone.now, verbose_name="推荐时间"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="typicalcase",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="更新时间"),
        ),
        migrations.RunPython(existing_cases_are_published, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="typicalcase",
            options={
                "ordering": ["-published_at", "-id"],
                "verbose_name": "典型案例",
                "verbose_name_plural": "典型案例",
            },
        ),
        migrations.AddConstraint(
            model_name="typicalcase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["rejected", "declined"]), _negated=True),
                fields=("match",),
                name="typicalcase_one_live_per_match",
            ),
        ),
        migrations.AddIndex(
            model_name="typicalcase",
            index=models.Index(
                fields=["status", "-created_at"], name="coordinatio_status_1fb9c6_idx"
            ),
        ),
        migrations.CreateModel(
            name="CaseConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "side",
                    models.CharField(
                        choices=[("enterprise", "需求方"), ("vendor", "供给方")],
                        max_length=12,
                        verbose_name="角色",
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("pending", "待答复"),
                            ("granted", "同意"),
                            ("declined", "不同意"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="答复",
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="答复时间"),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consents",
                        to="coordination.typicalcase",
                        verbose_name="典型案例",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="答复人",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organization",
                        verbose_name="组织",
                    ),
                ),
            ],
            options={
                "verbose_name": "案例授权",
                "verbose_name_plural": "案例授权",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "organization"), name="caseconsent_unique"
                    )
                ],
                "indexes": [
                    models.Index(
                        fields=["organization", "decision"], name="coordinatio_organiz_784833_idx"
                    )
                ],
            },
        ),
    ]
