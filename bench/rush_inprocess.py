"""CPU, queries and locked time of one form GET and one registering POST, in-process
(bench/registration_rush.py --in-process). Standard library and the project."""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# -- in-process: CPU and queries of one GET and one POST ------------------------------


def in_process(args) -> int:
    """CPU, queries and locked time of the form GET and the registering POST, in-process.

    Django's test client with the settings of `make run` (production, DEBUG off, the
    environment's DATABASE_URL, CSRF checked): no server, no network, no load generator,
    only what a worker spends. It resets the benchmark ceremony (`bench_ceremony`) with
    room for every POST. The locked time runs from the statement that takes the lock
    (SQLite: `BEGIN IMMEDIATE`, the database write lock; PostgreSQL: the first statement
    on the ceremony row, `SELECT … FOR UPDATE` or `UPDATE`) to the end of the COMMIT;
    for PostgreSQL's single-statement registration, in autocommit, the statement itself.
    """
    import io
    import statistics

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    requests = args.in_process
    out = io.StringIO()
    call_command("bench_ceremony", capacity=requests + 20, stdout=out)
    ceremony = int(out.getvalue().strip())
    path = f"/{args.lang}/r/inscription/{ceremony}/"
    vendor = connection.vendor

    state = {"queries": 0, "lock_wall": None, "lock_cpu": None, "locked": []}

    def takes_lock(sql: str) -> bool:
        if vendor == "sqlite":
            return sql.startswith("BEGIN")
        return '"events_registrationsettings"' in sql and (
            sql.startswith("UPDATE") or "FOR UPDATE" in sql
        )

    def counting(execute, sql, params, many, context):
        state["queries"] += 1
        if sql.startswith("WITH seat AS (UPDATE") and not connection.in_atomic_block:
            # PostgreSQL's single statement, in autocommit: the lock lasts this statement.
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return execute(sql, params, many, context)
            finally:
                state["locked"].append(
                    (
                        (time.perf_counter() - wall) * 1000,
                        (time.process_time() - cpu) * 1000,
                    )
                )
        if state["lock_wall"] is None and takes_lock(sql):
            state["lock_wall"], state["lock_cpu"] = time.perf_counter(), time.process_time()
        return execute(sql, params, many, context)

    original_commit, original_rollback = connection.commit, connection.rollback

    def end_of_transaction(original):
        def wrapped(*a, **kw):
            state["queries"] += 1
            try:
                return original(*a, **kw)
            finally:
                if state["lock_wall"] is not None:
                    state["locked"].append(
                        (
                            (time.perf_counter() - state["lock_wall"]) * 1000,
                            (time.process_time() - state["lock_cpu"]) * 1000,
                        )
                    )
                    state["lock_wall"] = None

        return wrapped

    connection.commit = end_of_transaction(original_commit)
    connection.rollback = end_of_transaction(original_rollback)
    run_id = uuid.uuid4().hex[:8]
    # cpu ms, wall ms, queries
    figures = {
        "GET": ([], [], []),
        "POST": ([], [], []),
        "POST refused, full": ([], [], []),
        "POST refused, whole page": ([], [], []),
        "GET, cache emptied": ([], [], []),
    }
    warm = 5
    # One client (its handler loads the middleware once, WhiteNoise's file scan included);
    # no cookies carried over: each pair is a new browser.
    client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")

    def post(form_response, who: str):
        token = re.search(
            rb'name="csrfmiddlewaretoken" value="([^"]+)"', form_response.content
        ).group(1)
        return client.post(
            path,
            urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.decode(),
                    "given_name": "Camille",
                    "surname": f"Rush{who}",
                    "email": f"inproc-{who}@example.org",
                    "consent": "on",
                    "homepage": "",
                }
            ),
            content_type="application/x-www-form-urlencoded",  # as browsers do
        )

    with connection.execute_wrapper(counting):
        for n in range(requests + warm):
            client.cookies.clear()
            measured = n >= warm
            for method in ("GET", "POST"):
                state["queries"] = 0
                started, cpu_started = time.perf_counter(), time.process_time()
                if method == "GET":
                    response = client.get(path)
                    expected = 200
                else:
                    response = post(response, f"{run_id}-{n}")
                    expected = 303
                cpu = (time.process_time() - cpu_started) * 1000
                wall = (time.perf_counter() - started) * 1000
                if response.status_code != expected:
                    print(f"{method} {path} answered {response.status_code}", file=sys.stderr)
                    return 1
                if measured:
                    figures[method][0].append(cpu)
                    figures[method][1].append(wall)
                    figures[method][2].append(state["queries"])
            if not measured:
                state["locked"].clear()
        from django.core.cache import cache
        from django.db.models import F

        from liberation.core.process_cache import clear_all
        from liberation.events.models import RegistrationSettings
        from liberation.registrations import views

        # After a sell-out: the ceremony full, each new browser's POST refused (409, the
        # form again with the person's answers and the waiting list offered), as the
        # rush's last three quarters are. Every other refusal is answered as before
        # 559c9b2, the whole page rendered, instead of the page kept around the panel
        # (`views._answer_html`): both measured under the same load, in turn.
        kept_around = views._answer_html

        def whole_page(request, ceremony_id, context):
            return views._whole_page(request, context)

        RegistrationSettings.objects.filter(pk=ceremony).update(capacity=F("seats_taken"))
        cache.clear()
        clear_all()
        try:
            for n in range(2 * (min(requests, 100) + warm)):
                whole = n % 2 == 1
                views._answer_html = whole_page if whole else kept_around
                client.cookies.clear()
                form = client.get(path)
                state["queries"] = 0
                started, cpu_started = time.perf_counter(), time.process_time()
                response = post(form, f"{run_id}-full-{n}")
                cpu = (time.process_time() - cpu_started) * 1000
                wall = (time.perf_counter() - started) * 1000
                if response.status_code != 409:
                    print(f"POST {path} (full) answered {response.status_code}", file=sys.stderr)
                    return 1
                if n >= 2 * warm:
                    name = "POST refused, whole page" if whole else "POST refused, full"
                    figures[name][0].append(cpu)
                    figures[name][1].append(wall)
                    figures[name][2].append(state["queries"])
        finally:
            views._answer_html = kept_around
        # The same GET with the cache emptied first: what a cache miss costs.

        for _n in range(min(requests, 30)):
            client.cookies.clear()
            cache.clear()
            clear_all()  # and what the process keeps (the form page, since 2026-12-07)
            state["queries"] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(path)
            figures["GET, cache emptied"][0].append((time.process_time() - cpu_started) * 1000)
            figures["GET, cache emptied"][1].append((time.perf_counter() - started) * 1000)
            figures["GET, cache emptied"][2].append(state["queries"])
        emails = deliver_again(ceremony, state)
    connection.commit, connection.rollback = original_commit, original_rollback

    summary = {"mode": "in-process", "vendor": vendor, "requests": requests}
    print(f"in-process, {vendor}, {requests} GET + POST pairs (production settings)")
    for method, (cpu, wall, queries) in figures.items():
        key = method.lower().replace(", cache emptied", "_uncached")
        key = key.replace(" refused, full", "_refused").replace(
            " refused, whole page", "_refused_whole"
        )
        summary[f"{key}_cpu_ms_mean"] = round(statistics.mean(cpu), 2)
        summary[f"{key}_cpu_ms_median"] = round(statistics.median(cpu), 2)
        summary[f"{key}_wall_ms_median"] = round(statistics.median(wall), 2)
        summary[f"{key}_queries"] = statistics.median(queries)
        print(
            f"{method:<18} CPU mean {statistics.mean(cpu):6.2f} ms, median "
            f"{statistics.median(cpu):6.2f} ms; wall median {statistics.median(wall):6.2f} ms;"
            f" queries {statistics.median(queries):g} (counted: statements + COMMIT)"
        )
    if emails:
        summary.update(emails)
        print(
            f"{'email delivered':<18} CPU mean {emails['email_cpu_ms_mean']:6.2f} ms; "
            f"queries {emails['email_queries_mean']:g} (the worker's: claim, body, send, "
            f"mark sent; {emails['emails']} confirmations of this run, sent again)"
        )
    if state["locked"]:
        walls = [w for w, _ in state["locked"]]
        cpus = [c for _, c in state["locked"]]
        summary["locked_wall_ms_median"] = round(statistics.median(walls), 2)
        summary["locked_cpu_ms_median"] = round(statistics.median(cpus), 2)
        print(
            f"locked section: wall median {statistics.median(walls):.2f} ms, CPU median "
            f"{statistics.median(cpus):.2f} ms ({len(walls)} transactions)"
        )
    print(json.dumps(summary))
    return 0


def deliver_again(ceremony: int, state: dict) -> dict:
    """The worker's CPU and queries per confirmation email: this run's confirmations
    made due again and delivered in this process (`outbox_deliver`, as the task runs
    it), to Django's in-memory mailbox instead of `EMAIL_BACKEND`. Empty if the run
    stored none."""
    from django.test import override_settings

    from liberation.mail.delivery import outbox_deliver
    from liberation.mail.models import OutboxMessage
    from liberation.registrations.emails import SOURCE
    from liberation.registrations.models import Registration

    ids = list(Registration.objects.filter(ceremony_id=ceremony).values_list("pk", flat=True))
    again = OutboxMessage.objects.filter(source=SOURCE, object_id__in=ids)
    count = again.update(sent_at=None, claimed_at=None, attempts=0, next_attempt_at=None)
    if not count:
        return {}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        state["queries"] = 0
        cpu_started = time.process_time()
        sent = outbox_deliver(limit=count)
        cpu = (time.process_time() - cpu_started) * 1000
    if not sent:
        return {}
    return {
        "emails": sent,
        "email_cpu_ms_mean": round(cpu / sent, 2),
        "email_queries_mean": round(state["queries"] / sent, 1),
    }
