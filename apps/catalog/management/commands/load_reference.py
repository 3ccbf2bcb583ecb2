"""`manage.py load_reference`: upsert the shipped reference data (idempotent, fast)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from apps.catalog.reference.loader import reference_load


class Command(BaseCommand):
    help = _("加载或更新参考数据（行政区划、行业、场景、网络技术、认证、协议、供给类型）。")

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        report = reference_load()
        elapsed = time.perf_counter() - started
        counts = "，".join(f"{report.labels[name]} {count}" for name, count in report.total.items())
        created = sum(report.created.values())
        obsolete = sum(report.obsolete.values())
        self.stdout.write(
            _(
                "参考数据已加载：%(counts)s（新增 %(created)d，保留的旧代码 %(obsolete)d），"
                "用时 %(s).2f 秒"
            )
            % {"counts": counts, "created": created, "obsolete": obsolete, "s": elapsed}
        )
