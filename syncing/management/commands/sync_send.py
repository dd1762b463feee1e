"""Run the sync sender in the foreground (what the django-q2 task runs), e.g. for a one-off
catch-up or a test worker: ``python manage.py sync_send --max-seconds 60``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from syncing.sender import SenderConfig, run


class Command(BaseCommand):
    help = "Gửi các hồ sơ đến hạn trong hàng đợi đồng bộ (chạy đến khi hàng đợi rỗng)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-seconds", type=float, default=55.0)
        parser.add_argument("--idle-seconds", type=float, default=5.0)
        parser.add_argument("--poll", type=float, default=0.5)
        for name in SenderConfig.__dataclass_fields__:
            parser.add_argument("--" + name.replace("_", "-"), type=float, dest=name)

    def handle(self, *args: Any, **options: Any) -> None:
        overrides = {
            k: (int(v) if isinstance(SenderConfig.__dataclass_fields__[k].default, int) else v)
            for k, v in options.items()
            if k in SenderConfig.__dataclass_fields__ and v is not None
        }
        stats = run(
            max_seconds=options["max_seconds"],
            idle_seconds=options["idle_seconds"],
            poll=options["poll"],
            config=SenderConfig.from_settings(**overrides),
        )
        self.stdout.write(
            json.dumps(
                {
                    "claimed": stats.claimed,
                    "synced": stats.synced,
                    "failed": stats.failed,
                    "dead": stats.dead,
                    "batches": stats.batches,
                }
            )
        )
