"""What a portal page costs each role on the demo data, and how much of it is the navigation's badges: each role's
home page and every page its navigation lists, served as that user is (middleware, view, templates, context
processors), against the same pages with every badge off (the baseline, measured in the same run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/portal_pages.py
    .venv/bin/python bench/portal_pages.py --repeat 3          # without DATABASE_URL: a temporary SQLite file
    DATABASE_URL=... .venv/bin/python bench/portal_pages.py --profile supplier_a   # cProfile of that user's pages

DATABASE_URL only names the server: the run drops and creates its own scratch database (--db-name), migrates it,
fills it with `manage.py seed_demo`, measures, and drops it again (--keep-db keeps it). Each page is served once to
warm up, then --repeat times with the badges counted and --repeat times with them off, alternately, the best run of
each counting. Printed per role: pages, ms/page (wall), CPU ms/page (this process's: middleware, view, templates, the
ORM; not the database server's) and queries/page with badges and without, their difference, and the
badges counted on their own (`core.portal.waiting_work`, what the API's /me says is waiting: ms and queries). Check:
each page answers 200 both ways, and the badges the home page shows are those `waiting_work` counts.
"""
import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import django_on_scratch_database, served as served_once  # noqa: E402

#: a user of every role in the demo data (seed_demo), and a superuser
USERS = ["13800138001", "supplier_a", "supplier_a_staff", "operator", "logistics", "finance", "admin"]
NAV = re.compile(r'<nav class="nav" id="nav".*?</nav>', re.S)
BADGE = re.compile(r'data-testid="home-badge-([^"]+)"[^>]*>(\d+)<')


def served(client, url: str):
    """`bench.scratch.served`, its queries counted afresh (the connection's log keeps the last 9000 only), and the CPU
    this process spent on it (seconds): the app's share, steadier than the wall time on a machine shared with others."""
    from django.db import connection

    connection.queries_log.clear()
    began = time.process_time()
    seconds, response, queries = served_once(client, url)
    return seconds, response, queries, time.process_time() - began


@contextmanager
def badges_off():
    """Every navigation entry without its badge (the baseline): the pages as they are, nothing counted."""
    import dataclasses

    from core import portal

    kept = list(portal._items)
    portal._items[:] = [dataclasses.replace(item, badge=None) for item in kept]
    try:
        yield
    finally:
        portal._items[:] = kept


def pages_of(client) -> list[str]:
    """The home page and every page the navigation lists for the client's user."""
    response = served(client, "/")[1]
    nav = NAV.search(response.content.decode())
    links = re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []
    return ["/", *dict.fromkeys(link for link in links if link.startswith("/") and not link.startswith("/admin/"))]


def best(client, page: str, repeat: int) -> tuple[tuple[float, float, int], tuple[float, float, int]]:
    """The best of `repeat` servings of the page: ms, CPU ms and queries, with the badges and without them, served
    alternately (a change in the machine's load meanwhile weighs on both alike)."""
    on, off = [], []
    for _ in range(repeat):
        for runs, badges in ((on, nullcontext()), (off, badges_off())):
            with badges:
                seconds, _response, queries, cpu = served(client, page)
            runs.append((seconds * 1000, cpu * 1000, len(queries)))
    return tuple((min(ms for ms, _, _ in runs), min(cpu for _, cpu, _ in runs), runs[0][2]) for runs in (on, off))


def badge_cost(user_id: int, repeat: int) -> tuple[float, int, dict[str, int]]:
    """The badges counted on their own, for a user fresh from the database as each request has it: best ms, queries,
    {page: count}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import User
    from core.portal import waiting_work

    runs = []
    for _ in range(repeat):
        user = User.objects.get(pk=user_id)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            waiting = waiting_work(user)
            runs.append(((time.perf_counter() - began) * 1000, len(queries.captured_queries)))
    return *min(runs), {entry["page"]: entry["count"] for entry in waiting}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="servings of each page each way; the best counts (default 7)")
    parser.add_argument("--users", nargs="*", default=USERS, help=f"usernames of the demo data (default: {' '.join(USERS)})")
    parser.add_argument("--profile", metavar="USERNAME", help="cProfile that user's pages (badges on) and print the top functions")
    parser.add_argument("--db-name", default="bench_portal_pages")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()
    os.environ["SMS_BACKEND"] = "core.notifications.backends.MemoryBackend"  # the demo's SMS go nowhere
    began = time.monotonic()
    with django_on_scratch_database(args.db_name, keep=args.keep_db, sqlite_fallback=True) as where:
        from io import StringIO

        from django.core.management import call_command
        from django.db import connection
        from django.template import engines
        from django.test import Client
        from django.utils import translation

        from core.models import User

        call_command("seed_demo", stdout=StringIO())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        loaders = [type(loader).__module__ + "." + type(loader).__name__ for loader in engines["django"].engine.template_loaders]
        print(f"portal pages benchmark, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} CPUs, {where}, "
              f"load average {os.getloadavg()[0]:.2f}; demo data seeded in {time.monotonic() - began:.0f} s; best of {args.repeat}; "
              f"template loaders {', '.join(loaders)}")
        print(f"{'':24}{'--- badges counted ---':>26}{'--- badges off ---':>26}{'-- badges cost --':>23}{'-- counted alone --':>21}")
        print(f"{'user':18}{'pages':>6}{'ms/page':>10}{'cpu ms':>8}{'queries':>8}{'ms/page':>10}{'cpu ms':>8}{'queries':>8}"
              f"{'ms':>8}{'cpu ms':>8}{'ratio':>7}{'ms':>11}{'queries':>9}")
        problems, totals = [], {"on": 0.0, "off": 0.0, "cpu_on": 0.0, "cpu_off": 0.0, "pages": 0}
        with translation.override("zh-hans"):
            for username in args.users:
                user = User.objects.get(username=username)
                client = Client()
                client.force_login(user)
                pages = pages_of(client)
                for page in pages:  # warm up: templates compiled, URL and translation caches filled
                    served(client, page)
                on, off = zip(*(best(client, page, args.repeat) for page in pages))
                (ms_on, cpu_on, q_on), (ms_off, cpu_off, q_off) = ([sum(run[i] for run in runs) / len(pages) for i in range(3)] for runs in (on, off))
                alone_ms, alone_queries, waiting = badge_cost(user.pk, args.repeat)
                shown = {page: int(count) for page, count in BADGE.findall(served(client, "/")[1].content.decode())}
                if sorted(shown.values()) != sorted(waiting.values()):
                    problems.append(f"{username}: the home page shows {shown}, waiting_work counts {waiting}")
                for key, value in (("on", ms_on), ("off", ms_off), ("cpu_on", cpu_on), ("cpu_off", cpu_off)):
                    totals[key] += value * len(pages)
                totals["pages"] += len(pages)
                print(f"{username:18}{len(pages):>6}{ms_on:>10.2f}{cpu_on:>8.2f}{q_on:>8.1f}{ms_off:>10.2f}{cpu_off:>8.2f}{q_off:>8.1f}"
                      f"{ms_on - ms_off:>8.2f}{cpu_on - cpu_off:>8.2f}{ms_on / ms_off:>7.2f}{alone_ms:>11.2f}{alone_queries:>9}")
                if args.profile == username:
                    profiler = cProfile.Profile()
                    profiler.enable()
                    for page in pages:
                        served(client, page)
                    profiler.disable()
                    pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(40)
        pages = totals["pages"]
        print(f"{'all':18}{pages:>6}{totals['on'] / pages:>10.2f}{totals['cpu_on'] / pages:>8.2f}{'':>8}{totals['off'] / pages:>10.2f}"
              f"{totals['cpu_off'] / pages:>8.2f}{'':>8}{(totals['on'] - totals['off']) / pages:>8.2f}"
              f"{(totals['cpu_on'] - totals['cpu_off']) / pages:>8.2f}{totals['on'] / totals['off']:>7.2f}")
        print(f"checks: {'ok' if not problems else '; '.join(problems)}; total {time.monotonic() - began:.0f} s, "
              f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
