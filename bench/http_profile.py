"""What one redemption costs in one process, one request after another: CPU per order over HTTP (Django's WSGI
handler, called as gunicorn calls it) and through the service alone, the statements each sends, PostgreSQL's own CPU
for them, and where the Python time goes (cProfile).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/http_profile.py --db-name bench_profile

No concurrency and no load tool, so CPU per order and statement counts are comparable between two versions of the
code on a shared machine, where latencies are not. DATABASE_URL only names the server: the run drops and creates its
own database (--db-name), seeds it as bench/redemption.py does, and drops it at the end.
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.redemption import ADDRESS, ORDERS_PER_MEMBER, NullSmsBackend, seed  # noqa: E402
from bench.scratch import django_on_scratch_database  # noqa: E402

BODY = {"quantity": 1, **ADDRESS}


def backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL backend on this machine has used so far (0 when its process cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Statements:
    """Counts the statements sent through Django's connection (BEGIN and COMMIT travel outside it: add two)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def order_environ(token: str, gift_id: int) -> dict:
    """The WSGI environ gunicorn builds for wrk's POST of an order (bench/redeem.lua)."""
    body = json.dumps({"gift": gift_id, **BODY}).encode()
    return {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/api/v1/orders/", "QUERY_STRING": "", "RAW_URI": "/api/v1/orders/",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "gunicorn",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Token {token}", "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex,
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.input_terminated": True,
    }


def tasks(world, member_ids: list[int], count: int) -> list[tuple[int, int]]:
    """(member, gift) for `count` orders: each member places ORDERS_PER_MEMBER, spread over the gifts."""
    needed = -(-count // ORDERS_PER_MEMBER)
    if needed > len(member_ids):
        sys.exit(f"{count} orders need {needed} members, the seed has {len(member_ids)} left")
    chosen = [member_ids.pop() for _ in range(needed)]
    return [(chosen[n % needed], world.spread_gifts[n % len(world.spread_gifts)]) for n in range(count)]


def http_call(application, world):
    def call(member_id: int, gift_id: int) -> None:
        status = []
        response = application(order_environ(world.members[member_id]["token"], gift_id), lambda s, h, e=None: status.append(s))
        body = b"".join(response)
        response.close()  # request_finished: what gunicorn does after writing the answer
        if not status[0].startswith("201"):
            raise RuntimeError(f"{status[0]}: {body[:300]!r}")
    return call


def frame_call(application, world, first: tuple[int, int]):
    """The HTTP path around a service that answers with the order `first` placed instead of placing one: what Django,
    DRF, the token, the Idempotency-Key and the answer cost by themselves."""
    from points.services import orders

    real, http = orders.place_order, http_call(application, world)
    http(*first)  # a real order, whose answer every later call gives
    placed = orders.RedemptionOrder.objects.select_related("gift").latest("id")

    def call(member_id: int, gift_id: int) -> None:
        orders.place_order = lambda **kwargs: placed
        try:
            http(member_id, gift_id)
        finally:
            orders.place_order = real
    return call


def service_call(world):
    from django.utils import timezone

    from core.models import User
    from points.selectors import member_with_program
    from points.services.orders import place_order

    def call(member_id: int, gift_id: int) -> None:
        user = User(pk=world.members[member_id]["user_id"])
        member = member_with_program(user_id=user.pk)
        place_order(member=member, gift_id=gift_id, now=timezone.now(), actor=user, **BODY)
    return call


def measure(call, work: list[tuple[int, int]]) -> dict:
    """CPU ms per order of this process and of its PostgreSQL backend, and statements per order, over `work`."""
    from django.db import connection

    counter = Statements()
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid if connection.vendor == "postgresql" else 0
    with connection.execute_wrapper(counter):
        db_before, began, wall = backend_cpu(backend), time.process_time(), time.perf_counter()
        for member_id, gift_id in work:
            call(member_id, gift_id)
        cpu, wall = time.process_time() - began, time.perf_counter() - wall
        db = backend_cpu(backend) - db_before
    return {"cpu": cpu * 1000 / len(work), "db": db * 1000 / len(work), "wall": wall * 1000 / len(work),
            "statements": counter.count / len(work)}


def profile(call, work: list[tuple[int, int]], top: int, dump: str | None) -> str:
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for PostgreSQL is not this process's cost
    profiler.enable()
    for member_id, gift_id in work:
        call(member_id, gift_id)
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write(f"--- top {top} by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write(f"--- top {top} by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=400, help="orders measured per layer and round (default 400)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds, HTTP and service alternated (default 3)")
    parser.add_argument("--warm-up", type=int, default=50, help="orders per layer before the clock starts (default 50)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then profile N more orders per layer and print the top functions")
    parser.add_argument("--top", type=int, default=30, help="functions printed per profile listing (default 30)")
    parser.add_argument("--pstats", metavar="DIR", help="also write each layer's profile to DIR/<layer>.pstats (for pstats or snakeviz)")
    parser.add_argument("--db-name", default="bench_http_profile")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()

    per_layer = args.warm_up + args.orders * args.rounds + args.profile
    os.environ.update({"NOTIFICATION_RELAY": "true", "SMS_BACKEND": f"{NullSmsBackend.__module__}.{NullSmsBackend.__qualname__}",
                       "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DB_CONN_MAX_AGE": "600"})
    with django_on_scratch_database(args.db_name, keep=args.keep_db) as where:
        from django.core.wsgi import get_wsgi_application

        # seed() sizes members and stock for its scenarios: 2 × per_layer orders spread over 50 gifts fit in them
        world = seed(argparse.Namespace(orders=per_layer, extra=0, gifts=50, clients=8, processes=4))
        application = get_wsgi_application()
        from django.db import connection

        connection.close()  # the HTTP path opens its connection as a worker does
        members = list(world.members)
        work = {layer: tasks(world, members, per_layer) for layer in ("http", "service", "frame")}
        calls = {"http": http_call(application, world), "service": service_call(world),
                 "frame": frame_call(application, world, tasks(world, members, 1)[0])}
        results: dict[str, list[dict]] = {layer: [] for layer in calls}
        for layer, call in calls.items():
            for member_id, gift_id in work[layer][: args.warm_up]:
                call(member_id, gift_id)
        for n in range(args.rounds):
            for layer, call in calls.items():
                start = args.warm_up + n * args.orders
                results[layer].append(measure(call, work[layer][start : start + args.orders]))
        print(f"{where}, {args.rounds} rounds of {args.orders} orders per layer after {args.warm_up} to warm up, "
              f"load average {os.getloadavg()[0]:.2f}")
        print("layer    | CPU ms/order: median (each round) | PostgreSQL backend ms/order | statements/order")
        medians = {}
        for layer, rounds in results.items():
            medians[layer] = statistics.median(r["cpu"] for r in rounds)
            each = " ".join(f"{r['cpu']:.2f}" for r in rounds)
            print(f"{layer:8} | {medians[layer]:5.2f} ({each}) | {statistics.median(r['db'] for r in rounds):5.2f}"
                  f" | {rounds[0]['statements']:.1f} + BEGIN, COMMIT")
        print(f"HTTP over the service: {medians['http'] - medians['service']:.2f} ms of CPU per order in this process; frame: the HTTP "
              "path with the service answering an order placed before (Django, DRF, token, Idempotency-Key, answer)")
        if args.profile:
            for layer, call in calls.items():
                print(f"\n=== cProfile of {args.profile} orders, {layer} ===")
                print(profile(call, work[layer][-args.profile:], args.top, args.pstats and str(Path(args.pstats) / f"{layer}.pstats")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
