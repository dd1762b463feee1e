"""The emulator of the national database: serve it, manage its keys, trust, data and jobs.

manage.py national_emulator [--host H] [--port N] [--faults FILE]   # serve (default)
manage.py national_emulator --tls-cert CHAIN.pem --tls-key KEY.pem     # serve HTTPS
manage.py national_emulator tls-demo-cert --out DIR   # a THỬ NGHIỆM CA and server certificate
manage.py national_emulator keys issue --agency H25 --software "…" --admin-name "…" [--activate]
manage.py national_emulator keys activate|revoke KEY_ID [--reason "…"]
manage.py national_emulator keys list
manage.py national_emulator trust add FILE.pem [--label "…"]
manage.py national_emulator seed-units [--communes-of H25 …]
manage.py national_emulator seed-population [--agency-unit H25] [--seed N] [--ratios JSON]
manage.py national_emulator reconcile [--on YYYY-MM-DD]
manage.py national_emulator schedule-reconcile [--hour 6]
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...routers import NATIONAL_DB


class Command(BaseCommand):
    help = "Mô phỏng CSDL quốc gia về CBCCVC: chạy máy chủ, quản lý khóa kết nối, dữ liệu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.NATIONAL_EMULATOR_PORT)
        parser.add_argument("--faults", help="JSON file (or JSON text) of the fault plan")
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--tls-cert", help="PEM: server certificate (and chain) for HTTPS")
        parser.add_argument("--tls-key", help="PEM: the certificate's private key")
        sub = parser.add_subparsers(dest="action", required=False)

        keys = sub.add_parser("keys", help="khóa kết nối")
        keys_sub = keys.add_subparsers(dest="keys_action", required=True)
        issue = keys_sub.add_parser("issue")
        issue.add_argument("--agency", required=True, help="mã định danh cơ quan, vd H25")
        issue.add_argument("--agency-name", default="")
        issue.add_argument("--software", required=True)
        issue.add_argument("--vendor", default="")
        issue.add_argument("--admin-name", required=True)
        issue.add_argument("--admin-phone", default="")
        issue.add_argument("--admin-email", default="")
        issue.add_argument("--rate-limit", type=int, default=600, help="yêu cầu/phút")
        issue.add_argument("--activate", action="store_true")
        issue.add_argument("--json", action="store_true", help="print key id and secret as JSON")
        for name in ("activate", "revoke"):
            p = keys_sub.add_parser(name)
            p.add_argument("key_id")
            p.add_argument("--reason", default="")
        keys_sub.add_parser("list")

        trust = sub.add_parser("trust", help="kho tin cậy")
        trust_sub = trust.add_subparsers(dest="trust_action", required=True)
        add = trust_sub.add_parser("add")
        add.add_argument("files", nargs="+")
        add.add_argument("--label", default="")

        units = sub.add_parser("seed-units", help="nạp cây tổ chức quốc gia")
        units.add_argument("--communes-of", nargs="*", default=["H25"])

        pop = sub.add_parser("seed-population", help="sinh CSDL dân cư mô phỏng")
        pop.add_argument("--agency-unit", default="", help="chỉ hồ sơ thuộc đơn vị này")
        pop.add_argument("--seed", type=int, default=2025)
        pop.add_argument("--ratios", default="", help='JSON, vd {"spelling": 0.05}')

        rec = sub.add_parser("reconcile", help="chạy đối khớp")
        rec.add_argument("--on", type=date.fromisoformat, default=None)

        sched = sub.add_parser("schedule-reconcile", help="lịch django-q2 đối khớp hằng ngày")
        sched.add_argument("--hour", type=int, default=6)

        demo_tls = sub.add_parser(
            "tls-demo-cert", help="chứng thư TLS thử nghiệm cho 127.0.0.1, localhost, ::1"
        )
        demo_tls.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action") or "serve"
        try:
            getattr(self, "_" + action.replace("-", "_"))(options)
        except (ValidationError, ValueError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from exc

    # -- serve ----------------------------------------------------------------------------------

    def _serve(self, options: dict[str, Any]) -> None:
        from ...faults import FaultPlan
        from ...server import make_server
        from ...state import state

        if not options["no_migrate"]:
            call_command("migrate", database=NATIONAL_DB, interactive=False, verbosity=0)
        if options["faults"]:
            state.faults = FaultPlan.from_config(options["faults"])
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert và --tls-key phải đi cùng nhau.")
        tls = (options["tls_cert"], options["tls_key"]) if options["tls_cert"] else None
        server = make_server(options["host"], options["port"], tls=tls)
        host, port = server.server_address[:2]
        scheme = "https" if tls else "http"
        self.stdout.write(
            f"CSDL quốc gia (mô phỏng) đang chạy: {scheme}://{host}:{port}/api/v1/health"
        )
        if state.faults.active:
            self.stdout.write(f"Lỗi giả lập: {state.faults}")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    # -- keys -----------------------------------------------------------------------------------

    def _keys(self, options: dict[str, Any]) -> None:
        from ...keys import activate_key, issue_key, revoke_key
        from ...models import ConnectionKey

        what = options["keys_action"]
        if what == "issue":
            issued = issue_key(
                agency_code=options["agency"],
                agency_name=options["agency_name"],
                software_name=options["software"],
                software_vendor=options["vendor"],
                admin_name=options["admin_name"],
                admin_phone=options["admin_phone"],
                admin_email=options["admin_email"],
                rate_limit_per_minute=options["rate_limit"],
                activate=options["activate"],
            )
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "key_id": issued.key.key_id,
                            "secret": issued.secret,
                            "status": issued.key.status,
                        }
                    )
                )
            else:
                self.stdout.write(
                    f"Đã cấp khóa {issued.key.key_id} ({issued.key.get_status_display()})."
                )
                self.stdout.write(f"Khóa bí mật (chỉ hiện một lần): {issued.secret}")
        elif what == "activate":
            key = activate_key(options["key_id"])
            self.stdout.write(f"Đã kích hoạt khóa {key.key_id}.")
        elif what == "revoke":
            key = revoke_key(options["key_id"], options["reason"])
            self.stdout.write(f"Đã thu hồi khóa {key.key_id}.")
        else:
            for key in ConnectionKey.objects.all():
                self.stdout.write(
                    "\t".join(
                        [
                            key.key_id,
                            key.agency_code,
                            key.software_name,
                            key.get_status_display(),
                            key.admin_name,
                            key.admin_phone,
                            key.admin_email,
                        ]
                    )
                )

    # -- data -----------------------------------------------------------------------------------

    def _trust(self, options: dict[str, Any]) -> None:
        from ...services import add_trust

        for name in options["files"]:
            anchor = add_trust(Path(name).read_bytes(), options["label"] or Path(name).name)
            self.stdout.write(f"Kho tin cậy: {anchor.get_kind_display()} “{anchor.label}”.")

    def _seed_units(self, options: dict[str, Any]) -> None:
        from ...seeding import seed_national_units

        created = seed_national_units(communes_of=options["communes_of"])
        self.stdout.write(f"Cây tổ chức quốc gia: {created} đơn vị mới.")

    def _seed_population(self, options: dict[str, Any]) -> None:
        from orgtree.models import Unit
        from orgtree.tree import subtree_q
        from profiles.models import Profile

        from ...reconciliation import people_from_profiles, seed_population

        profiles = Profile.objects.all()
        if options["agency_unit"]:
            unit = Unit.objects.active().get(code=options["agency_unit"])
            profiles = profiles.filter(subtree_q(unit, "unit"))
        ratios = json.loads(options["ratios"]) if options["ratios"] else None
        counts = seed_population(
            people_from_profiles(profiles), ratios=ratios, seed=options["seed"]
        )
        self.stdout.write(f"CSDL dân cư mô phỏng: {json.dumps(counts, ensure_ascii=False)}")

    def _reconcile(self, options: dict[str, Any]) -> None:
        from ...reconciliation import reconcile

        run = reconcile(options["on"])
        self.stdout.write(
            f"Đối khớp ngày {run.run_on:%d/%m/%Y}: {run.checked} hồ sơ, "
            f"{run.mismatches} trường lệch."
        )

    def _schedule_reconcile(self, options: dict[str, Any]) -> None:
        from ...reconciliation import schedule_daily

        schedule = schedule_daily(options["hour"])
        self.stdout.write(f"Lịch django-q2 “{schedule.name}”: lần chạy tới {schedule.next_run}.")

    def _tls_demo_cert(self, options: dict[str, Any]) -> None:
        from ...tls import write_demo_certificate

        files = write_demo_certificate(options["out"])
        self.stdout.write(
            "TÀI LIỆU THỬ NGHIỆM — KHÔNG DÙNG THẬT.\n"
            f"Máy chủ: --tls-cert {files.cert} --tls-key {files.key}\n"
            f"Phía gửi: CBCCVC_NATIONAL_CA_BUNDLE={files.ca}"
        )
