"""The mismatch radar: one snapshot per day (with connections covered, yearly need and
demands without feasible supply, and roll-up rows), each open demand's share for the
drill-down, and room for the "nationwide" province code.

Earlier snapshots summed capacity by another rule (every serving offering's capacity split
over every cell it could serve, demand or not): mixing them into the new trend would draw a
break that is only a change of definition, so they are dropped.
"""

import datetime
import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models


def drop_snapshots_of_the_old_definition(apps, schema_editor):
    apps.get_model("matching", "MismatchSnapshot").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0006_protocols"),
        ("matching", "0009_recommendation_feedback_and_enterprise_requests"),
    ]

    operations = [
        migrations.CreateModel(
            name="DemandCoverage",
            fields=[
                (
                    "demand",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="demands.demand",
                        verbose_name="需求",
                    ),
                ),
                ("sector", models.CharField(max_length=40, verbose_name="行业")),
                ("technology", models.CharField(max_length=40, verbose_name="网络技术")),
                (
                    "provinces",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=10), size=None, verbose_name="省份"
                    ),
                ),
                ("volume", models.FloatField(verbose_name="需求连接数")),
                ("need", models.FloatField(verbose_name="年需求量")),
                ("capacity", models.FloatField(verbose_name="归属的可行年产能")),
                ("covered_share", models.FloatField(verbose_name="有可行供给的比例")),
                ("feasible", models.BooleanField(verbose_name="有可行供给")),
                ("computed_at", models.DateTimeField(verbose_name="计算时间")),
            ],
            options={
                "verbose_name": "需求供给覆盖",
                "verbose_name_plural": "需求供给覆盖",
            },
        ),
        migrations.RunPython(drop_snapshots_of_the_old_definition, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="mismatchsnapshot",
            name="matching_mi_sector_9e056b_idx",
        ),
        migrations.AddField(
            model_name="mismatchsnapshot",
            name="covered",
            field=models.FloatField(default=0.0, verbose_name="有可行供给的连接数"),
        ),
        migrations.AddField(
            model_name="mismatchsnapshot",
            name="day",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="日期"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="mismatchsnapshot",
            name="need",
            field=models.FloatField(default=0.0, verbose_name="年需求量"),
        ),
        migrations.AddField(
            model_name="mismatchsnapshot",
            name="unserved",
            field=models.PositiveIntegerField(default=0, verbose_name="无可行供给的需求数"),
        ),
        migrations.AlterField(
            model_name="mismatchflag",
            name="province",
            field=models.CharField(blank=True, max_length=10, verbose_name="省份"),
        ),
        migrations.AlterField(
            model_name="mismatchsnapshot",
            name="capacity",
            field=models.FloatField(verbose_name="归属的可行年产能"),
        ),
        migrations.AlterField(
            model_name="mismatchsnapshot",
            name="demanded",
            field=models.FloatField(verbose_name="需求连接数"),
        ),
        migrations.AlterField(
            model_name="mismatchsnapshot",
            name="province",
            field=models.CharField(blank=True, max_length=10, verbose_name="省份"),
        ),
        migrations.AlterField(
            model_name="mismatchsnapshot",
            name="sector",
            field=models.CharField(blank=True, max_length=40, verbose_name="行业"),
        ),
        migrations.AlterField(
            model_name="mismatchsnapshot",
            name="taken_at",
            field=models.DateTimeField(verbose_name="时间"),
        ),
        migrations.AlterField(
            model_name="mismatchsnapshot",
            name="technology",
            field=models.CharField(blank=True, max_length=40, verbose_name="网络技术"),
        ),
        migrations.AddConstraint(
            model_name="mismatchsnapshot",
            constraint=models.UniqueConstraint(
                fields=("day", "sector", "technology", "province"), name="mismatchsnapshot_day_cell"
            ),
        ),
        migrations.AddIndex(
            model_name="demandcoverage",
            index=models.Index(
                fields=["sector", "technology"], name="matching_de_sector_fa79e0_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="demandcoverage",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["provinces"], name="demandcoverage_provinces_gin"
            ),
        ),
    ]
