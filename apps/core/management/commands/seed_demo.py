"""`manage.py seed_demo`: a believable, deterministic demo market and the demo logins."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Offering
from apps.core.demo.history import demo_history_play
from apps.core.demo.seed import demo_anchor, demo_seed, demo_users_ensure
from apps.core.exceptions import BusinessError

# Downstream indexing run after the rows are committed, when the app providing it is present.
POST_SEED_COMMANDS = ("search_reindex", "matching_rebuild")


class Command(BaseCommand):
    help = _("生成演示数据：厂商、企业、供给、需求和演示账号（密码 demo-pass-2026）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offerings", type=int, default=3000, help=_("供给条数"))
        parser.add_argument("--demands", type=int, default=400, help=_("需求条数"))
        parser.add_argument("--seed", type=int, default=2026, help=_("随机种子"))
        parser.add_argument("--if-empty", action="store_true", help=_("已有供给时什么也不做"))
        parser.add_argument(
            "--flush", action="store_true", help=_("先清空所有组织、供给和需求再生成")
        )
        parser.add_argument(
            "--anchor-date",
            type=dt.date.fromisoformat,
            default=None,
            help=_("数据的参照日期 YYYY-MM-DD（默认今天）；同一种子和日期生成完全相同的数据"),
        )
        parser.add_argument("--no-hooks", action="store_true", help=_("不运行搜索索引等后续处理"))

    def handle(self, *args: object, **options: object) -> None:
        if options["offerings"] < 0 or options["demands"] < 0:
            raise CommandError(_("条数不能为负数。"))
        if options["if_empty"] and Offering.objects.exists():
            demo_users_ensure()
            self.stdout.write(_("已有供给数据，跳过演示数据生成。"))
            return
        started = time.perf_counter()
        try:
            report = demo_seed(
                offerings=options["offerings"],
                demands=options["demands"],
                seed=options["seed"],
                anchor=demo_anchor(options["anchor_date"]),
                flush=options["flush"],
            )
        except BusinessError as error:
            raise CommandError(str(error.message)) from error
        users = demo_users_ensure()
        seeded = time.perf_counter() - started
        self.stdout.write(
            _(
                "演示数据已生成：组织 %(orgs)d，供给 %(offerings)d，需求 %(demands)d，"
                "用时 %(s).1f 秒（%(detail)s）；演示账号：%(users)s"
            )
            % {
                "orgs": report.organizations,
                "offerings": report.offerings,
                "demands": report.demands,
                "s": seeded,
                "detail": ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()),
                "users": ", ".join(users),
            }
        )
        if options["no_hooks"]:
            return
        available = get_commands()
        for name in POST_SEED_COMMANDS:
            if name in available:
                mark = time.perf_counter()
                call_command(name, stdout=self.stdout, stderr=self.stderr)
                self.stdout.write(
                    _("%(name)s 完成，用时 %(s).1f 秒")
                    % {"name": name, "s": time.perf_counter() - mark}
                )
        # The case library, credibility and indicators need a brokering history to show. The
        # demo's organisations are fictional: their introduction e-mails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            history = demo_history_play(coordinator=User.objects.get(username="coordinator"))
        self.stdout.write(
            _("演示对接记录：引荐 %(introduced)d，成交 %(won)d，典型案例 %(cases)d")
            % {"introduced": history.introduced, "won": history.won, "cases": history.cases}
        )
