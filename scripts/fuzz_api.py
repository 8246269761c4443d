#!/usr/bin/env python3
"""Property-based fuzzing of the whole REST API with schemathesis, against a throw-away installation.

A fresh SQLite database (or, with ``--database-url``, the PostgreSQL database given — it is emptied
first) gets the demo organisation; a gunicorn server answers on a free local port; schemathesis then
sends every operation of ``/api/v1/openapi.json`` generated and boundary input, first as an agent,
then as an administrator (destructive calls can do no harm here), and checks that no answer is a
server error and that every answer — status code, content type, body — matches the document.

    python scripts/fuzz_api.py [--max-examples N] [--seed S] [--database-url URL] [--time-budget SEC]
                               [--paths REGEX]

Exit status 0 when schemathesis found nothing. CI runs it (``make fuzz``) with a time budget.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fuwu(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "fuwu"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout


# Path ids of the demo organisation, so that most generated requests reach a real record instead of
# a 404 (each is used with this probability; the rest are generated freely).
DEMO_IDS = {
    "work_order_id": 30,
    "customer_id": 60,
    "staff_id": 16,
    "department_id": 6,
    "duty_id": 9,
    "service_type_id": 10,
    "product_id": 40,
    "agreement_id": 20,
    "absence_id": 5,
    "notification_id": 40,
    "number": 3,
    "complaint_id": 12,
    "penalty_id": 3,
    "capa_id": 6,
    "checklist_id": 4,
    "inspection_id": 20,
    "rectification_id": 10,
}

# Complaints in every step (the demo has none), so that the complaint actions reach their services
# and not only a 404: run inside ``fuwu shell`` after the demo is loaded.
SEED_COMPLAINTS = """
from fuwu.complaints import services as s
from fuwu.customers.models import Customer
from fuwu.org.models import Department, User
from fuwu.org.models import Organisation

org = Organisation.objects.get(name="和谐家园物业服务有限公司")
people = {u.username: u for u in User.objects.filter(organisation=org)}
repair = Department.objects.get(organisation=org, code="repair")
customers = list(Customer.objects.filter(organisation=org).order_by("pk")[:12])


def new(index, **extra):
    data = dict(channel="phone", subject=f"投诉 {index}", description="维修工态度差，问题没有解决",
                object="service_attitude", customer_id=customers[index].pk, department_id=repair.pk)
    data.update(extra)
    return s.complaint_create(organisation=org, by=people["agent1"], data=s.ComplaintInput(**data))


head, quality, director = people["head_repair"], people["quality1"], people["director"]


def investigating(i):
    return s.complaint_start_investigation(new(i), by=head)


def assigned(i):
    c = investigating(i)
    s.complaint_assess(c, by=quality, validity="valid", object="service_attitude", severity="general", note="属实")
    return s.complaint_assign_responsibility(c, by=quality, cause="态度", department_id=repair.pk,
                                             person_ids=[people["tech1"].pk])


def planned(i):
    c = assigned(i)
    s.complaint_propose_plan(c, by=head, plan="上门道歉")
    return s.complaint_decide_plan(c, by=director, approved=True)


def replied(i):
    c = planned(i)
    s.complaint_execute(c, by=head, note="已道歉")
    return s.complaint_reply(c, by=head, text="已处理", method="phone")


new(0)
new(1, channel="letter")
investigating(2)
c = assigned(3)
s.complaint_add_cost(c, by=head, kind="parts", amount="20")
c = assigned(4)
s.complaint_propose_plan(c, by=head, plan="方案")
planned(5)
replied(6)
c = replied(7)
s.complaint_record_answer(c, by=quality, outcome="unsatisfied", method="phone")
c = replied(8)
s.complaint_record_answer(c, by=quality, outcome="satisfied", method="phone")
c = replied(9)
s.complaint_record_answer(c, by=quality, outcome="satisfied", method="phone")
s.complaint_close(c, by=people["agent1"])
c = investigating(10)
s.complaint_request_extension(c, by=head, clock="plan", amount=1, unit="working_days", reason="等配件")
new(11, channel="letter", identity_protected=True)
"""


# Checklists, inspections in every status and rectification orders in every step (the demo may have
# none), so that their actions reach the services: run inside ``fuwu shell`` after the demo.
SEED_INSPECTIONS = """
from datetime import timedelta
from django.utils import timezone
from fuwu.inspections import services as s
from fuwu.inspections.models import ChecklistTemplate
from fuwu.org.models import Department, Organisation, User

org = Organisation.objects.get(name="和谐家园物业服务有限公司")
people = {u.username: u for u in User.objects.filter(organisation=org)}
departments = {d.code: d for d in Department.objects.filter(organisation=org)}
quality, head, tech = people["quality1"], people["head_repair"], people["tech1"]
items = [
    {"code": "uniform", "text": "员工着装整洁，佩戴工牌", "weight": 2},
    {"code": "site_clean", "text": "作业现场清洁，无遗留垃圾", "weight": 3, "photo_on_fail": True},
    {"code": "records", "text": "服务记录完整准确", "weight": 4, "kind": "score", "max_score": 10, "pass_at": 6},
]
plain = {"sections": [{"title": "服务现场", "items": items}]}
sampled = {**plain, "sampling": {"method": "iso2859", "level": "II", "aql": "1.0", "unit": "份工单记录"}}


def checklist(code, name, data):
    found = ChecklistTemplate.objects.filter(organisation=org, code=code).first()
    return found or s.template_create(organisation=org, by=quality, code=code, name=name, definition_data=data).template


templates = [checklist("fuzz-quality", "服务质量巡检表（测试）", plain), checklist("fuzz-records", "工单记录抽查（测试）", sampled)]
s.template_publish(template=templates[0], by=quality, definition_data=plain, note="第二版")
retired = checklist("fuzz-retired", "旧巡检表（测试）", plain)
s.template_set_active(template=retired, by=quality, active=False)
due = timezone.localdate() + timedelta(days=10)
failing = [s.AnswerIn("uniform", "fail", note="两人未戴工牌"), s.AnswerIn("site_clean", "pass"), s.AnswerIn("records", score=4)]


def planned(department="repair", template=0):
    return s.inspection_create(organisation=org, by=quality, template=templates[template],
                               department=departments[department], inspector=quality, due_on=due, site="1号楼")


def submitted(department="repair"):
    inspection = planned(department)
    s.inspection_record(inspection=inspection, by=quality, answers=failing)
    return s.inspection_submit(inspection=inspection, by=quality, summary="两处问题")


planned()
planned("service")
s.inspection_record(inspection=planned(), by=quality, answers=failing[:1])
s.inspection_start(inspection=planned(template=1), by=quality, population=200)
s.inspection_cancel(inspection=planned(), by=quality, reason="重复安排")
orders = [r for _ in range(3) for r in submitted().rectifications.order_by("pk")]
issued, acknowledged, done, verified, reopened, cancelled = orders
for order in (acknowledged, done, verified, reopened):
    s.rectification_acknowledge(rectification=order, by=head, note="已签收")
for order in (done, verified, reopened):
    s.rectification_record_done(rectification=order, by=tech, action_taken="已整改")
s.rectification_decide(rectification=done, by=head, disposition="redo")
s.rectification_verify(rectification=verified, by=quality, passed=True, note="已整改到位")
s.rectification_verify(rectification=reopened, by=quality, passed=False, note="仍未整改")
s.rectification_cancel(rectification=cancelled, by=quality, reason="误判")
submitted("service")
"""

# Corrective and preventive actions in their first steps (recurring findings above may raise one).
SEED_CAPA = """
from fuwu.capa import services as c
from fuwu.org.models import Department, Organisation, User

org = Organisation.objects.get(name="和谐家园物业服务有限公司")
people = {u.username: u for u in User.objects.filter(organisation=org)}
repair = Department.objects.get(organisation=org, code="repair")
head, tech = people["head_repair"], people["tech1"]


def raised(title, kind="corrective"):
    return c.capa_create(organisation=org, by=head, kind=kind, title=title, problem="多起投诉反映同类问题",
                         category="service_attitude", department=repair)


raised("上门服务态度问题")
capa = raised("雨季漏水预防", kind="preventive")
c.capa_analyse(capa=capa, by=head, root_cause="未做巡查", method="five_whys")
capa = raised("维修工具不齐")
c.capa_analyse(capa=capa, by=head, root_cause="工具未登记", method="fishbone")
c.capa_check_extent(capa=capa, by=head, scope="各班组", found=False)
item = c.capa_add_item(capa=capa, by=head, description="工具登记", owner=tech)
c.capa_complete_item(capa=capa, by=tech, item_id=item.pk, evidence="登记表")
c.capa_implement(capa=capa, by=head)
c.capa_cancel(capa=raised("重复登记"), by=people["quality1"], reason="重复")
"""


def write_config(path: Path) -> None:
    lines = []
    for name, highest in DEMO_IDS.items():
        lines += [f"[dictionaries.{name}]", f"values = {list(range(1, highest + 1))}", ""]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}' for name in DEMO_IDS]
    path.write_text("\n".join(lines) + "\n")


def wait_for(url: str, seconds: float = 60) -> bytes:
    """The body of ``url`` once the server answers it (200)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=120) as response:  # a local server
                if response.status == 200:
                    return bytes(response.read())
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUWU_FUZZ_EXAMPLES", "20")))
    parser.add_argument("--seed", default=os.environ.get("FUWU_FUZZ_SEED", ""))
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--time-budget",
        type=int,
        default=int(os.environ.get("FUWU_FUZZ_SECONDS", "600")),
        help="seconds for each user's run",
    )
    parser.add_argument("--users", default="agent1,admin", help="demo logins, in order (admin last)")
    parser.add_argument(
        "--fuzz-only-users",
        default="",
        help="of --users, those run without the coverage phase (its boundary cases of every "
        "parameter take most of a run; an agent meets most operations with a 404)",
    )
    parser.add_argument(
        "--paths",
        default="",
        help="only the operations whose path matches this regular expression (e.g. 'complaint')",
    )
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="fuwu-fuzz-"))
    env = {
        **os.environ,
        "FUWU_VAR_DIR": str(var),
        "FUWU_ENV": "development",
        "DEBUG": "0",
        "HUEY_IMMEDIATE": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    failed = False
    try:
        fuwu(env, "migrate", "--no-input", "-v", "0")
        if args.database_url:  # a database given to be used up: start it empty
            fuwu(env, "flush", "--no-input")
        fuwu(env, "demo", "--if-empty")
        fuwu(env, "shell", "-c", SEED_COMPLAINTS)
        fuwu(env, "shell", "-c", SEED_INSPECTIONS)
        fuwu(env, "shell", "-c", SEED_CAPA)
        tokens = {user: fuwu(env, "token", user).strip().splitlines()[-1] for user in args.users.split(",")}
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "fuwu.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
                "--error-logfile",
                str(var / "server.log"),
                "--timeout",
                "60",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:  # a loaded machine (CI with other jobs) takes a while to import and build the document
            document = wait_for(f"{base}/api/v1/openapi.json", seconds=240)
        except SystemExit:
            log = var / "server.log"
            print(log.read_text(errors="replace")[-4000:] if log.exists() else "", file=sys.stderr)
            raise
        write_config(var / "schemathesis.toml")
        # schemathesis reads the document from a file: building it takes the server longer than
        # schemathesis waits for it (10 s) on a loaded machine.
        (var / "openapi.json").write_bytes(document)
        fuzz_only = {user for user in args.fuzz_only_users.split(",") if user}
        for user, token in tokens.items():
            print(
                f"\n=== schemathesis as {user}: {args.max_examples} examples per operation, "
                f"{'no coverage phase, ' if user in fuzz_only else ''}{args.time_budget} s at most",
                flush=True,
            )
            command = [
                str(BIN / "schemathesis"),
                "--config-file",
                str(var / "schemathesis.toml"),
                "run",
                str(var / "openapi.json"),
                "--url",
                base,
                "-H",
                f"Authorization: Bearer {token}",
                "-H",
                "Accept-Language: zh-hans",
                "--checks",
                CHECKS,
                "--max-examples",
                str(args.max_examples),
                "--phases",
                "examples,fuzzing" if user in fuzz_only else "examples,coverage,fuzzing",
                # One worker thread: with two, Hypothesis parses lambda sources with ``ast`` from
                # both threads at once, which CPython 3.11 does not survive ("AST constructor
                # recursion depth mismatch", a runtime error that failed CI twice).
                "--workers",
                "1",
                "--no-color",
                "--request-timeout",
                "30",
                "--suppress-health-check",
                "all",
                "--generation-database",
                "none",
            ]
            if args.seed:
                command += ["--seed", str(args.seed)]
            if args.paths:
                command += ["--include-path-regex", args.paths]
            try:
                code = subprocess.run(
                    command, cwd=ROOT, env=env, timeout=args.time_budget, check=False
                ).returncode
            except subprocess.TimeoutExpired:
                print(f"schemathesis as {user} did not finish within {args.time_budget} s", file=sys.stderr)
                code = 1
            failed = failed or code != 0
        errors = (var / "server.log").read_text(errors="replace")
        if "Traceback" in errors:
            print("\n=== the server logged tracebacks:\n" + errors[-8000:], file=sys.stderr)
            failed = True
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(var, ignore_errors=True)
    print("\n=== fuzzing: " + ("FAILED" if failed else "0 server errors, 0 schema mismatches"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
