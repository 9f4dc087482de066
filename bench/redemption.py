"""Redemption throughput on PostgreSQL: plain SQL (the baseline), the service layer and HTTP, each spread over
many gifts and all on one gift, every figure with its ratio to the baseline measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/redemption.py --orders 2000

DATABASE_URL only names the server: the run drops and creates its own scratch database (--db-name), migrates
it, seeds it (services for the supplier and gifts, bulk inserts for members, accounts, lots and ledger
entries), measures, then checks that no gift was oversold and every balance still equals its ledger, and
drops the database again (--keep-db keeps it). Exit status 1 when a check fails or a request errored.

The file is also the locustfile of the HTTP scenario: the run starts locust on it with BENCH_LOCUST_PLAN set.
"""
import argparse
import importlib.util
import itertools
import json
import math
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch import pg_version, recreate_database, scratch_url  # noqa: E402
ORDER_POINTS = 1500  # GoTone price of every bench gift: below the SMS threshold, so placing an order confirms it
ORDERS_PER_MEMBER = 4  # each member holds points for 10 orders and places about 4
ADDRESS = {"recipient_name": "刘洋", "recipient_phone": "13800138000", "address": "浙江省杭州市西湖区文三路100号"}
TARGETS = {"service": 0.40, "http": 0.25}
HTTP_P99_TARGET_MS = 50.0
ONE_GIFT_TARGET = 0.50
SPARE_MEMBERS = 50  # not in any scenario: their tokens warm the HTTP workers up


class NullSmsBackend:
    """The bench's SMS gateway: the outbox row is written and marked sent, nothing leaves the machine."""

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        pass


@dataclass
class Scenario:
    layer: str  # sql | service | http
    contention: str  # spread | one-gift | paced (spread, at an offered rate)
    tasks: list[list[tuple]]  # per worker or client: (member id, gift id) or (token, gift id)
    member_ids: list[int]
    stock: int | None = None  # the one gift's stock
    offered: float | None = None  # paced: orders/s the clients send together, whatever the answers' speed

    @property
    def name(self) -> str:
        return f"{self.layer}/{self.contention}"


@dataclass
class Result:
    scenario: Scenario
    workers: int
    confirmed: int = 0
    rejected: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    app_cpu: float = 0.0  # CPU seconds of the processes running the redemption code (workers, or gunicorn's)
    load: float = 0.0  # the machine's 1-minute load average when the scenario ended
    tool_cpu: float = 0.0  # CPU seconds of the load tool (HTTP scenarios)
    machine_cpu: float = 0.0  # CPU seconds the whole machine was busy meanwhile: the above, PostgreSQL, the relay, anything else

    @property
    def app_ms_per_order(self) -> float:
        return self.app_cpu / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def tool_ms_per_order(self) -> float:
        return self.tool_cpu / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def machine_ms_per_order(self) -> float:
        return self.machine_cpu / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def rate(self) -> float:
        return self.confirmed / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else float("nan")


# --- scratch database and Django -------------------------------------------------------------------


def django_environment(args, url: str, media: str) -> dict[str, str]:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base", "DATABASE_URL": url, "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "MEDIA_ROOT": media, "DB_CONN_MAX_AGE": str(args.conn_max_age),
        "PYTHONPATH": str(ROOT),
    }
    env["SMS_BACKEND"] = "bench.redemption.NullSmsBackend"
    if args.sms == "celery":
        env["CELERY_BROKER_URL"] = args.broker_url
    else:
        env.pop("CELERY_BROKER_URL", None)
        env["NOTIFICATION_RELAY"] = "true"
    return env


# --- seeding ---------------------------------------------------------------------------------------


@dataclass
class World:
    gotone_id: int
    order_type_id: int  # the content type transition logs name orders by
    location_id: int
    spread_gifts: list[int]
    hot_gifts: dict[str, int]  # layer → the one gift of its one-gift scenario
    warm_up_gift: int  # the HTTP workers' warm-up orders take this one's stock
    gifts: dict[int, dict]  # id → supplier id, settlement price
    members: dict[int, dict]  # id → user id, account id, token


def seed(args) -> World:
    """A supplier and listed gifts through the services; members with points through bulk inserts."""
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from core.models import Program, User
    from core.roles import Role
    from django.contrib.contenttypes.models import ContentType

    from points.models import LedgerEntry, LotAllocation, Member, PointsAccount, PointsLot, RedemptionOrder
    from points.services.ledger import lot_expiry
    from suppliers.models import Category, Location
    from suppliers.seed import demo_credit_code, seed_paperwork
    from suppliers.services import catalog, inventory, onboarding

    now = timezone.now()
    operator = User.objects.create(username="bench-operator", role=Role.OPERATOR, password="!")
    supplier = onboarding.apply_as_supplier(
        name="基准测试礼品有限公司", credit_code=demo_credit_code("91330106MA2DDDDD3"), contact_name="张经理", contact_phone="13900009999",
        contact_email="bench@example.com", address="浙江省杭州市西湖区文三路 100 号", username="bench-supplier", password="bench-unused-pw", now=now,
    )
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    seed_paperwork(supplier=supplier, operator=operator, now=now, index=1)
    onboarding.approve_supplier(supplier=supplier, actor=operator, now=now)
    category, _ = Category.objects.get_or_create(code="tea", defaults={"name": "茶叶"})
    warehouse = Location.objects.create(code="WH-BENCH", name="基准测试仓", kind=Location.Kind.WAREHOUSE)

    def listed_gift(sku: str, stock: int) -> int:
        gift = catalog.create_gift(
            supplier=supplier, actor=operator, now=now, sku=sku, name=f"明前龙井礼盒 {sku}", category=category, market_price=Decimal("298.00"),
            settlement_price=Decimal("180.00"), points_prices={"gotone": ORDER_POINTS}, images=["gifts/tea.jpg"], specification="250g × 2",
            warranty_text="质量问题15天包换",
        )
        for step in (catalog.submit_gift, catalog.approve_gift, catalog.publish_gift):
            step(gift=gift, actor=operator, now=now)
        inventory.receive_stock(gift=gift, location=warehouse, quantity=stock, at=now)
        return gift.pk

    spread_stock = math.ceil(3 * (args.orders + args.extra) / args.gifts) * 2
    spread_gifts = [listed_gift(f"SPREAD-{n:03d}", spread_stock) for n in range(args.gifts)]
    hot_gifts = {layer: listed_gift(f"HOT-{layer.upper()}", args.orders) for layer in ("sql", "service", "http")}
    warm_up_gift = listed_gift("WARM-UP", SPARE_MEMBERS)

    gotone = Program.objects.get(code=Program.GOTONE)
    count = sum(members_needed(args, layer) for layer in ("sql", "service", "http")) * 2 + members_needed(args, "http") + SPARE_MEMBERS
    points, year = 10 * ORDER_POINTS, timezone.localtime(now).year
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench-member-{n}", role=Role.MEMBER, password="!") for n in range(count)], batch_size=2000
        )
        members = Member.objects.bulk_create(
            [Member(user=user, program=gotone, name="会员", phone=f"139{n:08d}") for n, user in enumerate(users)], batch_size=2000
        )
        accounts = PointsAccount.objects.bulk_create([PointsAccount(member=m, balance=points) for m in members], batch_size=2000)
        lots = PointsLot.objects.bulk_create(
            [PointsLot(account=a, year=year, earned=points, remaining=points, expires_at=lot_expiry(year)) for a in accounts], batch_size=2000
        )
        entries = LedgerEntry.objects.bulk_create([
            LedgerEntry(account=a, kind="earn", points=points, balance_after=points, reason_code="earn", source_type="batch",
                        source_id="BENCH-SEED", at=now) for a in accounts
        ], batch_size=2000)
        LotAllocation.objects.bulk_create(
            [LotAllocation(entry=e, lot=lot, points=points) for e, lot in zip(entries, lots)], batch_size=2000
        )
        tokens = Token.objects.bulk_create([Token(key=uuid.uuid4().hex + uuid.uuid4().hex[:8], user=u) for u in users], batch_size=2000)
    return World(
        gotone_id=gotone.pk, order_type_id=ContentType.objects.get_for_model(RedemptionOrder).pk, location_id=warehouse.pk, spread_gifts=spread_gifts, hot_gifts=hot_gifts,
        warm_up_gift=warm_up_gift,
        gifts={pk: {"supplier_id": supplier.pk, "settlement": Decimal("180.00")} for pk in [*spread_gifts, *hot_gifts.values()]},
        members={m.pk: {"user_id": u.pk, "account_id": a.pk, "token": t.key, "phone": m.phone} for m, u, a, t in zip(members, users, accounts, tokens)},
    )


def workers_of(args, layer: str) -> int:
    return args.clients if layer == "http" else args.processes


def members_needed(args, layer: str) -> int:
    workers = workers_of(args, layer)
    return math.ceil(math.ceil((args.orders + args.extra) / ORDERS_PER_MEMBER) / workers) * workers


def build(args, world: World, free_members, layer: str, contention: str, *, attempts: int, stock: int | None = None,
          offered: float | None = None) -> Scenario:
    """A scenario with members of its own; a member always goes to the same worker (no member races itself)."""
    workers = workers_of(args, layer)
    member_ids = [next(free_members) for _ in range(members_needed(args, layer))]
    tasks: list[list[tuple]] = [[] for _ in range(workers)]
    for n in range(attempts):
        member_id = member_ids[n % len(member_ids)]
        gift_id = world.hot_gifts[layer] if contention == "one-gift" else world.spread_gifts[n % len(world.spread_gifts)]
        who = world.members[member_id]["token"] if layer == "http" else member_id
        tasks[(n % len(member_ids)) % workers].append((who, gift_id))
    return Scenario(layer, contention, tasks, member_ids, stock, offered)


def size_hot_gift(args, world: World, layer: str, spread: "Result") -> int:
    """The one gift's stock: what this layer sold in 60% of the time limit when spread (at most --orders), so the
    one-gift run sells out, refuses --extra more attempts, and still ends within the time limit."""
    from django.utils import timezone

    from suppliers.models import Gift, Location
    from suppliers.services import inventory

    stock = max(args.extra, min(args.orders, int(spread.rate * args.time_limit * 0.6)))
    if stock < args.orders:
        inventory.write_off_stock(gift=Gift.objects.get(pk=world.hot_gifts[layer]), location=Location.objects.get(pk=world.location_id),
                                  quantity=args.orders - stock, at=timezone.now(), note="bench: sized to the layer's rate")
    return stock


# --- workers (forked processes, one database connection each) ---------------------------------------


def timed_loop(tasks: list[tuple], call, *, barrier, seconds: float) -> dict:
    """Run `call(*task)` for each task after all workers passed the barrier, within `seconds`.

    `call` returns None when the order was confirmed, else the refusal code; an exception is an error.
    """
    barrier.wait()
    start, cpu = time.monotonic(), time.process_time()
    latencies, rejected, errors, confirmed = [], Counter(), [], 0
    for task in tasks:
        if time.monotonic() - start > seconds:
            break
        begun = time.monotonic()
        try:
            refusal = call(*task)
        except Exception:
            refusal = None
            errors.append(traceback.format_exc(limit=8))
        else:
            if refusal is None:
                confirmed += 1
            else:
                rejected[refusal] += 1
        latencies.append(time.monotonic() - begun)
    return {"start": start, "end": time.monotonic(), "latencies": latencies, "confirmed": confirmed, "rejected": rejected, "errors": errors,
            "cpu": time.process_time() - cpu}


SQL_LOT = ("UPDATE points_pointslot SET remaining = remaining - %(points)s "
           "WHERE account_id = %(account)s AND remaining >= %(points)s AND expires_at > %(now)s RETURNING id")
SQL_ACCOUNT = "UPDATE points_pointsaccount SET balance = balance - %(points)s WHERE id = %(account)s AND balance >= %(points)s RETURNING balance"
SQL_ENTRY = (
    "INSERT INTO points_ledgerentry (kind, points, balance_after, reason_code, source_type, source_id, source_line, at, actor_id, account_id, note) "
    "VALUES ('redeem', -%(points)s, %(balance)s, 'redeem', 'order', %(number)s, 0, %(now)s, %(user)s, %(account)s, '') RETURNING id"
)
SQL_ALLOCATION = "INSERT INTO points_lotallocation (points, entry_id, lot_id) VALUES (-%(points)s, %(entry)s, %(lot)s)"
SQL_ORDER = (
    "INSERT INTO points_redemptionorder (number, quantity, fulfilment, points_unit_price, tier_discount_percent, clearance, points_cost, "
    "settlement_unit_price, settlement_amount, recipient_name, recipient_phone, address, code_required, code_hash, code_attempts, state, "
    "placed_at, expires_at, confirmed_at, delivered_automatically, returned_quantity, gift_id, location_id, member_id, program_id, "
    "redeem_entry_id, supplier_id) VALUES (%(number)s, 1, 'warehouse', %(points)s, 0, false, %(points)s, %(settlement)s, %(settlement)s, "
    "%(name)s, %(phone)s, %(address)s, false, '', 0, 'confirmed', %(now)s, %(expires)s, %(now)s, false, 0, %(gift)s, %(location)s, "
    "%(member)s, %(program)s, %(entry)s, %(supplier)s) RETURNING id"
)
SQL_MOVEMENT = (
    "INSERT INTO suppliers_stockmovement (kind, on_hand_delta, reserved_delta, at, source_type, source_id, note, liable, actor_id, "
    "gift_id, location_id) VALUES ('reservation', 0, 1, %(now)s, 'order', %(number)s, '', '', %(user)s, %(gift)s, %(location)s)"
)
SQL_TRANSITION = (
    "INSERT INTO core_transitionlog (content_type_id, object_id, transition, source_state, target_state, actor_id, at, reason) "
    "VALUES (%(order_type)s, %(order)s, 'place', '', 'awaiting_confirmation', %(user)s, %(now)s, ''), "
    "(%(order_type)s, %(order)s, 'confirm', 'awaiting_confirmation', 'confirmed', %(user)s, %(now)s, '')"
)
SQL_NOTIFICATION = (
    "INSERT INTO core_notification (message_id, kind, phone, body, urgent, status, created_at, not_before, attempts, subject_type, subject_id) "
    "VALUES (%(message)s, 'points_deducted', %(member_phone)s, %(sms)s, true, 'pending', %(now)s, %(now)s, 0, 'points.redemptionorder', %(order_ref)s)"
)
SQL_STOCK = "UPDATE suppliers_stockrecord SET reserved = reserved + 1 WHERE gift_id = %(gift)s AND location_id = %(location)s AND on_hand >= reserved + 1"


def sql_worker(index: int, scenario: Scenario, world: World, args, barrier, queue) -> None:
    """The baseline: the rows a redemption writes, in one transaction of plain SQL (hot stock row last)."""
    import psycopg

    counter = itertools.count()
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:

        def redeem(member_id: int, gift_id: int) -> str | None:
            now = datetime.now(dt_timezone.utc)
            member, gift = world.members[member_id], world.gifts[gift_id]
            values = {
                "points": ORDER_POINTS, "account": member["account_id"], "user": member["user_id"], "member": member_id, "now": now,
                "expires": now + timedelta(minutes=15), "number": f"BL{scenario.contention[0]}{index:02d}{next(counter):07d}", "gift": gift_id,
                "location": world.location_id, "program": world.gotone_id, "supplier": gift["supplier_id"], "settlement": gift["settlement"],
                "name": ADDRESS["recipient_name"], "phone": ADDRESS["recipient_phone"], "address": ADDRESS["address"],
                "order_type": world.order_type_id, "member_phone": member["phone"],
            }
            with conn.transaction(), conn.cursor() as cur:
                lot = cur.execute(SQL_LOT, values).fetchone()
                balance = cur.execute(SQL_ACCOUNT, values).fetchone() if lot else None
                if balance is None:
                    raise _Refused("insufficient_points")
                values |= {"lot": lot[0], "balance": balance[0]}
                values["entry"] = cur.execute(SQL_ENTRY, values).fetchone()[0]
                cur.execute(SQL_ALLOCATION, values)
                values["order"] = cur.execute(SQL_ORDER, values).fetchone()[0]
                values |= {"order_ref": str(values["order"]), "message": uuid.uuid4(), "sms": f"【积分商城】订单 {values['number']} 已扣减 {ORDER_POINTS} 积分，当前余额 {values['balance']} 积分。"}
                cur.execute(SQL_TRANSITION, values)
                cur.execute(SQL_NOTIFICATION, values)
                cur.execute(SQL_MOVEMENT, values)
                if cur.execute(SQL_STOCK, values).rowcount != 1:
                    raise _Refused("out_of_stock")
            return None

        def call(member_id: int, gift_id: int) -> str | None:
            try:
                return redeem(member_id, gift_id)
            except _Refused as refusal:  # the transaction block rolled back
                return refusal.code

        queue.put(timed_loop(scenario.tasks[index], call, barrier=barrier, seconds=args.time_limit))


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def service_worker(index: int, scenario: Scenario, world: World, args, barrier, queue) -> None:
    """The service layer as the view calls it: load the member as `member_of` does (the user comes from
    authentication), then one place_order call."""
    import cProfile

    from django.db import connections
    from django.utils import timezone

    from core.errors import DomainError
    from core.models import User
    from points.selectors import member_with_program
    from points.services.orders import place_order

    def call(member_id: int, gift_id: int) -> str | None:
        user = User(pk=world.members[member_id]["user_id"])
        member = member_with_program(user_id=user.pk)
        try:
            place_order(member=member, gift_id=gift_id, quantity=1, now=timezone.now(), actor=user, **ADDRESS)
        except DomainError as refusal:
            return refusal.code
        return None

    profiler = cProfile.Profile() if args.profile and index == 0 else None
    if profiler:
        profiler.enable()
    outcome = timed_loop(scenario.tasks[index], call, barrier=barrier, seconds=args.time_limit)
    if profiler:
        profiler.disable()
        profiler.dump_stats(Path(args.workdir) / f"profile-{scenario.layer}-{scenario.contention}.pstats")
    connections.close_all()
    queue.put(outcome)


def run_processes(scenario: Scenario, world: World, args) -> Result:
    from django.db import connections

    connections.close_all()  # a forked child must open its own connection
    context = multiprocessing.get_context("fork")
    workers = len(scenario.tasks)
    barrier, queue, busy_before = context.Barrier(workers), context.Queue(), busy_cpu()
    target = sql_worker if scenario.layer == "sql" else service_worker
    processes = [context.Process(target=target, args=(n, scenario, world, args, barrier, queue)) for n in range(workers)]
    for process in processes:
        process.start()
    try:
        outcomes = [queue.get(timeout=args.time_limit + 60) for _ in processes]
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
    result = combine(scenario, workers, outcomes)
    result.machine_cpu = busy_cpu() - busy_before
    return result


def combine(scenario: Scenario, workers: int, outcomes: list[dict]) -> Result:
    result = Result(scenario, workers)
    for outcome in outcomes:
        result.confirmed += outcome["confirmed"]
        result.rejected.update(outcome["rejected"])
        result.errors.extend(outcome["errors"])
        result.latencies.extend(outcome["latencies"])
        result.app_cpu += outcome["cpu"]
    result.load = os.getloadavg()[0]
    result.elapsed = max(o["end"] for o in outcomes) - min(o["start"] for o in outcomes)
    return result


# --- HTTP: gunicorn on loopback, locust headless ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(args, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(args.http_workers),
        "--worker-class", args.worker_class, "--threads", str(args.http_threads), "--timeout", "30", "--log-level", "warning",
        *(["--worker-connections", str(args.worker_connections)] if args.worker_connections else []),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    host = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{host}/api/v1/catalog/", timeout=2)
        except urllib.error.HTTPError:
            return server, host  # 401: it answers
        except OSError:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with {server.returncode}; see {log}")
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"gunicorn did not answer within 30 s; see {log}")


def warm_up(host: str, tokens: list[str], gift_id: int, requests: int) -> None:
    """Let every gunicorn worker import its views, open its connection and prepare the redemption's statements before
    the clock starts: catalog reads and one order from each spare member (in no scenario's figures or checks)."""
    for n in range(requests):
        headers = {"Authorization": f"Token {tokens[n % len(tokens)]}"}
        urllib.request.urlopen(urllib.request.Request(f"{host}/api/v1/catalog/", headers=headers), timeout=10).read()
        if n < len(tokens):
            body = json.dumps({"gift": gift_id, "quantity": 1, **ADDRESS}).encode()
            order = urllib.request.Request(f"{host}/api/v1/orders/", data=body, method="POST", headers=headers | {
                "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
            urllib.request.urlopen(order, timeout=10).read()


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the scratch database, so that each layer starts on tables in the same state and autovacuum does
    not pick the tables the previous layer filled while this one is measured."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_cpu() -> float:
    """CPU seconds the machine has been busy so far, all processes and the kernel (PostgreSQL's backends included)."""
    import psutil

    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn's workers (psutil comes with locust)."""
    import psutil

    return sum(sum(child.cpu_times()[:2]) for child in psutil.Process(pid).children(recursive=True))


def run_http(scenario: Scenario, host: str, env: dict[str, str], args, server_pid: int) -> Result:
    """One HTTP scenario through the load tool; every request's (start, end, status, error code) comes back."""
    workdir = Path(args.workdir) / f"{args.load_tool}-{scenario.contention}"
    workdir.mkdir()
    cpu_before, tool_before, busy_before = server_cpu(server_pid), children_cpu(), busy_cpu()
    records = (run_wrk if args.load_tool == "wrk" else run_locust)(scenario, host, env, args, workdir)
    result = Result(scenario, len(scenario.tasks), app_cpu=server_cpu(server_pid) - cpu_before, load=os.getloadavg()[0],
                    tool_cpu=children_cpu() - tool_before, machine_cpu=busy_cpu() - busy_before)
    for start, end, status, code in records:
        result.latencies.append(end - start)
        if status == 201:
            result.confirmed += 1
        elif status == 409 and code in {"out_of_stock", "insufficient_points"}:
            result.rejected[code] += 1
        else:
            result.errors.append(f"HTTP {status} {code}")
    result.elapsed = max(r[1] for r in records) - min(r[0] for r in records) if records else 0.0
    return result


def run_wrk(scenario: Scenario, host: str, env: dict[str, str], args, workdir: Path) -> list:
    """wrk, one thread and one connection per client (bench/redeem.lua); stopped once every client is done."""
    clients = len(scenario.tasks)
    plan = workdir / "plan.lua"
    address = json.dumps(ADDRESS, ensure_ascii=False)[1:-1].replace("\\", "\\\\").replace("'", "\\'")
    plan.write_text(f"address = '{address}'\n" + "plans = {" + ",".join("{" + ",".join(f'{{"{token}",{gift}}}' for token, gift in tasks) + "}" for tasks in scenario.tasks) + "}")
    command = ["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{int(args.time_limit) + 30}s", "--timeout", "30s",
               "-s", str(ROOT / "bench" / "redeem.lua"), host, "--", str(plan), str(workdir), str(args.time_limit), uuid.uuid4().hex[:12],
               *([f"{clients / scenario.offered:.6f}"] if scenario.offered else [])]
    outputs = [workdir / f"client-{n}.json" for n in range(1, clients + 1)]
    with (workdir / "wrk.log").open("w") as log:
        tool = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + args.time_limit + 30
        while not all(path.exists() for path in outputs) and time.monotonic() < deadline and tool.poll() is None:
            time.sleep(0.05)
        tool.send_signal(signal.SIGINT)
        tool.wait(30)
    time.sleep(0.1)  # the last client's file is complete once it exists and wrk has gone
    if args.records:
        shutil.copytree(workdir, Path(args.records) / f"{scenario.contention}-{uuid.uuid4().hex[:6]}")
    return [record for path in outputs if path.exists() for record in json.loads(path.read_text())]


def run_locust(scenario: Scenario, host: str, env: dict[str, str], args, workdir: Path) -> list:
    plan_path, out_path = workdir / "plan.json", workdir / "records.json"
    plan_path.write_text(json.dumps({"host": host, "clients": scenario.tasks, "out": str(out_path), "seconds": args.time_limit,
                                     "interval": len(scenario.tasks) / scenario.offered if scenario.offered else 0}))
    clients = len(scenario.tasks)
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).resolve()), "--headless", "--users", str(clients), "--spawn-rate", str(clients),
        "--run-time", f"{int(args.time_limit) + 10}s", "--stop-timeout", "10", "--host", host, "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]
    with (workdir / "locust.log").open("w") as output:
        subprocess.run(command, cwd=ROOT, env=env | {"BENCH_LOCUST_PLAN": str(plan_path)}, stdout=output, stderr=subprocess.STDOUT,
                       timeout=args.time_limit + 60, check=True)
    return json.loads(out_path.read_text())


# --- checks and report -----------------------------------------------------------------------------


def check(world: World, results: list[Result]) -> list[str]:
    """What must hold after the races: no gift oversold, reservations = confirmed orders, balances = ledgers."""
    from django.db import connection

    problems = []
    with connection.cursor() as cur:
        cur.execute("""
            SELECT s.gift_id, s.on_hand, s.reserved, count(o.id) FROM suppliers_stockrecord s
            LEFT JOIN points_redemptionorder o ON o.gift_id = s.gift_id AND o.state = 'confirmed'
            GROUP BY s.gift_id, s.on_hand, s.reserved""")
        for gift_id, on_hand, reserved, confirmed in cur.fetchall():
            if not 0 <= reserved <= on_hand or reserved != confirmed:
                problems.append(f"gift {gift_id}: on hand {on_hand}, reserved {reserved}, confirmed orders {confirmed}")
        cur.execute("""
            SELECT count(*) FROM points_pointsaccount a LEFT JOIN LATERAL (
                SELECT coalesce(sum(points), 0) AS total, coalesce(min(balance_after), 0) AS lowest FROM points_ledgerentry e WHERE e.account_id = a.id
            ) l ON true WHERE a.balance <> l.total OR a.balance < 0 OR l.lowest < 0""")
        if cur.fetchone()[0]:
            problems.append("accounts whose balance differs from their ledger or went negative")
        cur.execute("""
            SELECT count(*) FROM points_pointslot lot LEFT JOIN LATERAL (
                SELECT coalesce(sum(points), 0) AS total FROM points_lotallocation x WHERE x.lot_id = lot.id
            ) x ON true WHERE lot.remaining <> x.total OR lot.remaining < 0 OR lot.remaining > lot.earned""")
        if cur.fetchone()[0]:
            problems.append("lots out of bounds or differing from their allocations")
        for result in results:
            cur.execute("SELECT count(*) FROM points_redemptionorder WHERE state = 'confirmed' AND member_id = ANY(%s)", [result.scenario.member_ids])
            in_db = cur.fetchone()[0]
            if in_db != result.confirmed:
                problems.append(f"{result.scenario.name}: {result.confirmed} confirmed reported, {in_db} in the database")
            stock, attempts = result.scenario.stock, sum(len(tasks) for tasks in result.scenario.tasks)
            if stock is not None and result.confirmed > stock:
                problems.append(f"{result.scenario.name}: oversold, {result.confirmed} orders for {stock} units")
            if stock is not None and len(result.latencies) == attempts and result.confirmed != stock:
                problems.append(f"{result.scenario.name}: {attempts} attempts for {stock} units confirmed {result.confirmed}")
    return problems


def report(args, results: list[Result], problems: list[str]) -> None:
    by_name = {r.scenario.name: r for r in results}
    baseline = by_name["sql/spread"].rate
    print(f"{'scenario':<18}{'workers':>8}{'confirmed':>10}{'refused':>9}{'errors':>8}{'orders/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'vs base':>9}{'cpu ms':>8}{'tool ms':>8}{'all ms':>8}{'load':>6}")
    for r in results:
        print(f"{r.scenario.name:<18}{r.workers:>8}{r.confirmed:>10}{sum(r.rejected.values()):>9}{len(r.errors):>8}{r.rate:>10.1f}"
              f"{r.percentile(50):>9.1f}{r.percentile(99):>9.1f}{r.rate / baseline:>9.2f}{r.app_ms_per_order:>8.1f}"
              f"{r.tool_ms_per_order if r.scenario.layer == 'http' else 0:>8.1f}{r.machine_ms_per_order:>8.1f}{r.load:>6.1f}")
    print("(cpu ms: CPU of the processes running the redemption code per attempt, PostgreSQL not included; tool ms: the load "
          "tool's CPU per attempt, on the same CPUs; all ms: CPU the whole machine was busy per attempt, PostgreSQL included; load: 1-minute load average at the scenario's end; http/paced: the clients "
          "send at a fixed rate, and a request's latency runs from when it was due)")
    print("targets:")
    service, http, paced = by_name["service/spread"], by_name["http/spread"], by_name["http/paced"]
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    print(f"  service/spread >= {TARGETS['service']:.0%} of baseline: {service.rate / baseline:.0%} {verdict(service.rate / baseline >= TARGETS['service'])}")
    print(f"  http/spread >= {TARGETS['http']:.0%} of baseline: {http.rate / baseline:.0%} {verdict(http.rate / baseline >= TARGETS['http'])} "
          f"(clients never waiting, p99 {http.percentile(99):.1f} ms)")
    print(f"  http/paced, {paced.scenario.offered / baseline:.0%} of baseline offered ({paced.scenario.offered:.1f} orders/s), p99 <= {HTTP_P99_TARGET_MS:.0f} ms "
          f"counted from when each request was due: {paced.percentile(99):.1f} ms at {paced.rate:.1f} orders/s "
          f"{verdict(paced.percentile(99) <= HTTP_P99_TARGET_MS)}")
    for layer in ("sql", "service", "http"):
        ratio = by_name[f"{layer}/one-gift"].rate / by_name[f"{layer}/spread"].rate
        print(f"  {layer}/one-gift >= {ONE_GIFT_TARGET:.0%} of {layer}/spread: {ratio:.0%} {verdict(ratio >= ONE_GIFT_TARGET)}")
    refusals = {r.scenario.name: dict(r.rejected) for r in results if r.rejected}
    print(f"refusals: {refusals or 'none'}")
    print("checks: " + ("no oversell (reserved = confirmed orders <= stock on every gift), balances = ledgers, lots within bounds: ok"
                        if not problems else "FAILED\n  " + "\n  ".join(problems)))
    for r in results:
        if r.errors:
            print(f"errors in {r.scenario.name} ({len(r.errors)}), first:\n{r.errors[0]}")


def print_profiles(args) -> None:
    import pstats

    for path in sorted(Path(args.workdir).glob("profile-*.pstats")):
        print(f"\n--- cProfile of worker 0, {path.stem.removeprefix('profile-')} (top 25 by cumulative time) ---")
        stats = pstats.Stats(str(path))
        stats.strip_dirs().sort_stats("cumulative").print_stats(25)


def purge_broker(url: str) -> None:
    """Drop the notification tasks the run queued (no worker consumes them): only the bench's broker database."""
    try:
        import redis

        client = redis.Redis.from_url(url)
        client.delete("celery", *client.keys("_kombu.binding*"))
    except Exception as exc:  # the run's figures stand without it
        print(f"note: could not purge the broker queue at {url}: {exc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    cpus = os.cpu_count() or 1
    parser.add_argument("--orders", type=int, default=2000, help="confirmed orders per scenario (default 2000)")
    parser.add_argument("--extra", type=int, default=None, help="attempts beyond the one gift's stock (default max(20, orders/50))")
    parser.add_argument("--processes", type=int, default=2 * cpus, help=f"worker processes for sql and service (default {2 * cpus})")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--gifts", type=int, default=50, help="gifts the spread scenarios use (default 50)")
    parser.add_argument("--http-workers", type=int, default=2 * cpus + 1, help=f"gunicorn workers (default {2 * cpus + 1})")
    parser.add_argument("--load-tool", choices=["wrk", "locust"], default="wrk" if shutil.which("wrk") else "locust",
                        help="HTTP load tool (default wrk when installed: a C client spends less of the shared CPUs than locust)")
    parser.add_argument("--worker-class", default="config.workers.BalancedThreadWorker",
                        help="gunicorn worker class (default: config/gunicorn.conf.py's, gthread taking connections only while a thread is free;"
                             " gthread for gunicorn's own)")
    parser.add_argument("--http-threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--worker-connections", type=int, default=0, help="gunicorn's worker_connections (default: its own)")
    parser.add_argument("--paced-share", type=float, default=TARGETS["http"],
                        help=f"http/paced sends this share of the baseline's rate (default {TARGETS['http']}, the target)")
    parser.add_argument("--conn-max-age", type=int, default=600, help="DB_CONN_MAX_AGE of the HTTP server (default 600)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds at most per scenario (default 30)")
    parser.add_argument("--sms", choices=["relay", "celery"], default="relay",
                        help="how the SMS leave: the outbox relay running beside the workers (default), or one Celery task per message")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13", help="Celery broker of --sms celery (no worker consumes it)")
    parser.add_argument("--db-name", default="bench_redemption")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    parser.add_argument("--records", help="copy each wrk scenario's per-request records (client-N.json: start, end, status, code) into this folder")
    parser.add_argument("--profile", action="store_true", help="cProfile worker 0 of the service scenarios and print the top functions")
    parser.add_argument("--only", choices=["sql", "service", "http"], action="append", help="run only these layers (sql always runs)")
    args = parser.parse_args()
    args.extra = args.extra if args.extra is not None else max(20, args.orders // 50)

    if (not args.only or "http" in args.only) and args.load_tool == "locust" and importlib.util.find_spec("locust") is None:
        sys.exit("--load-tool locust needs locust: pip install -r requirements-load.txt (or pass --only service)")
    server_url = os.environ.get("DATABASE_URL", "")
    url = scratch_url(server_url, args.db_name)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-redemption-") as workdir:
        args.workdir = workdir
        env = django_environment(args, url, str(Path(workdir) / "media"))
        recreate_database(server_url, args.db_name)
        server = relay = None
        try:
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
            os.environ.update(env)
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            world = seed(args)
            setup_seconds = time.monotonic() - began
            print(f"redemption benchmark, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {cpus} CPUs, PostgreSQL {pg_version()}, "
                  f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} at start")
            print(f"up to {args.orders} orders per scenario, at most {args.time_limit:.0f} s each (one gift: stock sized to the layer's rate, "
                  f"+{args.extra} attempts past it), sql/service processes "
                  f"{args.processes}, HTTP clients {args.clients} ({args.load_tool}), gunicorn {args.http_workers} {args.worker_class} workers"
                  f"{f' x {args.http_threads} threads' if args.worker_class != 'sync' else ''}, spread over {args.gifts} gifts, "
                  f"SMS {'by the outbox relay' if args.sms == 'relay' else 'tasks to ' + args.broker_url}; setup {setup_seconds:.0f} s")
            layers = {"sql", *(args.only or ["service", "http"])}
            results, free_members = [], iter(world.members)
            if args.sms == "relay":
                relay = subprocess.Popen([sys.executable, "manage.py", "relay_notifications"], cwd=ROOT, env=env,
                                         stdout=(Path(workdir) / "relay.log").open("w"), stderr=subprocess.STDOUT)
            for layer in ("sql", "service", "http"):
                if layer not in layers:
                    continue
                vacuum(url)
                if layer == "http" and server is None:
                    server, host = start_gunicorn(args, env, Path(workdir) / "gunicorn.log")
                    warm_up(host, [world.members[m]["token"] for m in world.members][-SPARE_MEMBERS:], world.warm_up_gift,
                            10 * args.http_workers)
                run = (lambda s: run_http(s, host, env, args, server.pid)) if layer == "http" else (lambda s: run_processes(s, world, args))
                spread = run(build(args, world, free_members, layer, "spread", attempts=args.orders))
                stock = size_hot_gift(args, world, layer, spread)
                results += [spread, run(build(args, world, free_members, layer, "one-gift", attempts=stock + args.extra, stock=stock))]
                if layer == "http":  # the latency target holds at the throughput target: clients paced to it
                    results.append(run(build(args, world, free_members, layer, "paced", attempts=args.orders, offered=args.paced_share * results[0].rate)))
            stop(server)
            problems = check(world, results)
            if relay is not None:
                problems += drain_relay(relay)
            if {"service", "http"} <= layers:
                report(args, results, problems)
            else:
                report_partial(results, problems)
            if args.profile:
                print_profiles(args)
            print(f"total {time.monotonic() - began:.0f} s, load average {os.getloadavg()[0]:.2f} at the end"
                  " (other work on the machine skews every figure; compare ratios from one run)")
        finally:
            stop(server)
            stop(relay)
            if "django.db" in sys.modules:
                sys.modules["django.db"].connections.close_all()
            if args.sms == "celery":
                purge_broker(args.broker_url)
            if not args.keep_db:
                recreate_database(server_url, args.db_name, drop_only=True)
    return 1 if problems or any(r.errors for r in results) else 0


def drain_relay(relay: subprocess.Popen) -> list[str]:
    """Wait (10 s at most) until the outbox relay has sent every SMS the run wrote that is due, print its CPU per
    message, stop it. A non-urgent SMS written in the quiet hours (22:00-08:00 Asia/Shanghai) is held until they end, as
    it should be: counted apart, not a failure."""
    import psutil
    from django.utils import timezone

    from core.models import Notification
    from core.services import due_messages

    deadline = time.monotonic() + 10
    while (pending := due_messages(timezone.now()).count()) and time.monotonic() < deadline:
        time.sleep(0.2)
    times = psutil.Process(relay.pid).cpu_times()
    sent = Notification.objects.filter(status=Notification.Status.SENT).count()
    held = Notification.objects.filter(status=Notification.Status.PENDING).count() - pending
    print(f"outbox relay: {sent} SMS sent, {(times.user + times.system) / max(1, sent) * 1000:.2f} ms CPU per message, {pending} left pending"
          + (f", {held} held for the end of the quiet hours" if held else ""))
    stop(relay)
    return [f"{pending} SMS left unsent by the relay"] if pending else []


def stop(server: subprocess.Popen | None) -> None:
    """Stop a server this run started (gunicorn's master, by pid, stops its workers; the relay finishes its batch)."""
    if server is not None and server.poll() is None:
        server.terminate()
        server.wait(20)


def report_partial(results: list[Result], problems: list[str]) -> None:
    for r in results:
        if r.errors:
            print(f"errors in {r.scenario.name} ({len(r.errors)}), first:\n{r.errors[0]}")
    baseline = results[0].rate or float("nan")
    for r in results:
        print(f"{r.scenario.name:<18}{r.confirmed:>7} confirmed {r.rate:>9.1f}/s p50 {r.percentile(50):.1f} ms p99 {r.percentile(99):.1f} ms "
              f"{r.rate / baseline:.2f}x baseline, {len(r.errors)} errors, app cpu {r.app_ms_per_order:.1f} ms, tool cpu {r.tool_ms_per_order:.1f} ms, "
              f"all cpu {r.machine_ms_per_order:.1f} ms")
    print("checks: " + ("ok" if not problems else "FAILED: " + "; ".join(problems)))


# --- the locust side (only inside the locust process the run starts) --------------------------------

if os.environ.get("BENCH_LOCUST_PLAN"):
    import gevent
    from locust import FastHttpUser, constant, events, task
    from locust.exception import StopUser

    _PLAN = json.loads(Path(os.environ["BENCH_LOCUST_PLAN"]).read_text())
    _RECORDS: list[tuple[float, float, int, str]] = []
    _CLIENT_INDEX, _FINISHED = itertools.count(), itertools.count(1)
    _STARTED = time.monotonic()

    class RedeemingMember(FastHttpUser):
        """One HTTP client: its own list of (token, gift) to redeem, one POST at a time, no think time; paced as
        bench/redeem.lua paces a wrk client when the plan has an interval."""

        wait_time = constant(0)

        def on_start(self) -> None:
            index = next(_CLIENT_INDEX)
            self.todo = iter(_PLAN["clients"][index])
            self.due = time.monotonic() + index * _PLAN["interval"] / len(_PLAN["clients"])

        @task
        def redeem(self) -> None:
            item = next(self.todo, None)
            if item is None or time.monotonic() - _STARTED > _PLAN["seconds"]:
                if next(_FINISHED) == len(_PLAN["clients"]):
                    self.environment.runner.quit()
                raise StopUser()
            token, gift_id = item
            body = {"gift": gift_id, "quantity": 1, **ADDRESS}
            headers = {"Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex}
            if _PLAN["interval"]:
                gevent.sleep(max(0.0, self.due - time.monotonic()))
            begun = time.monotonic()
            if _PLAN["interval"]:
                begun, self.due = min(begun, self.due), self.due + _PLAN["interval"]
            with self.client.post("/api/v1/orders/", json=body, headers=headers, catch_response=True) as response:
                ended = time.monotonic()
                code = ""
                if response.status_code >= 400:
                    try:
                        code = response.json()["errors"][0]["code"]
                    except Exception:
                        code = (response.text or "")[:200]
                if response.status_code == 201 or (response.status_code == 409 and code in {"out_of_stock", "insufficient_points"}):
                    response.success()
                else:
                    response.failure(f"{response.status_code} {code}")
            _RECORDS.append((begun, ended, response.status_code, code))

    @events.quitting.add_listener
    def _write_records(environment, **kwargs) -> None:
        Path(_PLAN["out"]).write_text(json.dumps(_RECORDS))


if __name__ == "__main__":
    sys.exit(main())
