"""Newsletter campaign to 100,000 subscribers: enqueueing, the throttled sending rate
against a real SMTP server, and duplicates after the worker is killed mid-send.

Run it on a database of its own (it empties the newsletter's tables, the outbox and
the task queue of that database), one benchmark at a time:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_newsletter \
    REDIS_URL=redis://127.0.0.1:6379/2 \
    flock /tmp/bench.lock .venv/bin/python bench/newsletter.py --subscribers 100000 \
        --rate 50 --smtp-port 8125 --send-seconds 150 --kill-at 40

1. N confirmed subscribers are written (bulk).
2. Enqueueing, campaign A: the editor's send (`campaign_send`), the recipients frozen
   into N delivery rows (`campaign_freeze`), then, with the throttle off, every message
   written to the outbox (`campaign_release` until done): the two figures are the cost
   of the queue itself. A's outbox messages are then deleted unsent (A measures only).
3. Sending, campaign B to the same N: the real chain. An SMTP sink (aiosmtpd, in a
   subprocess on --smtp-port) records every message it accepts; `manage.py db_worker`
   runs the tasks (freeze, throttled release at --rate per second, the outbox's
   delivery) with SMTP settings pointing at the sink. At --kill-at seconds the worker
   is killed (SIGKILL) and started again; the clock (`newsletter_tick`, here every
   10 s) resumes the chain the kill broke. After --send-seconds the worker stops
   (--send-seconds 0: until the campaign is sent).
4. Checks: messages the sink received twice (same Message-ID, or one recipient twice
   for B), outbox messages per (campaign B, subscriber) above one, in-doubt messages
   (the outbox never resends those), and the sending rate measured by the sink (steady
   state: the median of the 10-second windows where mail flowed; overall: received / time).

The last line is a JSON object. Exit status 0 when there is no duplicate, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sink_main(port: int, path: str) -> None:
    """The SMTP sink: one line per accepted message (time, Message-ID, recipients)."""
    import re

    from aiosmtpd.controller import Controller

    out = open(path, "a", buffering=1)  # noqa: SIM115 (lives as long as the process)
    message_id = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            found = message_id.search(envelope.original_content or b"")
            mid = found.group(1).decode() if found else "-"
            out.write(f"{time.time():.3f}\t{mid}\t{','.join(envelope.rcpt_tos)}\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    while True:
        time.sleep(3600)


def load() -> str:
    return open("/proc/loadavg").read().split()[0]


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=50, help="NEWSLETTER_SEND_RATE")
    parser.add_argument("--smtp-port", type=int, default=8125)
    parser.add_argument("--send-seconds", type=float, default=150)
    parser.add_argument("--kill-at", type=float, default=40)
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink_main(int(args.sink[0]), args.sink[1])
        return 0
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL must name a database of the benchmark's own", file=sys.stderr)
        return 2

    env = {
        "DJANGO_SETTINGS_MODULE": "liberation.settings.dev",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(args.smtp_port),
        "NEWSLETTER_SEND_RATE": str(args.rate),
        "DEBUG": "false",
    }
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        check=True,
        env={**os.environ, **env},
    )
    setup_django(env)
    from django.conf import settings
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from liberation.mail.models import OutboxMessage
    from liberation.newsletter import campaigns
    from liberation.newsletter.factories import campaign_make, subscribers_bulk
    from liberation.newsletter.models import Campaign, CampaignDelivery, Subscriber
    from liberation.newsletter.tasks import campaigns_resume

    settings.DEBUG = False
    # A clean slate in this (benchmark) database.
    CampaignDelivery.objects.all().delete()
    Campaign.objects.all().delete()
    OutboxMessage.objects.all().delete()
    Subscriber.objects.all().delete()
    DBTaskResult.objects.all().delete()
    figures: dict = {"subscribers": args.subscribers, "rate_setting": args.rate}

    started = time.perf_counter()
    subscribers_bulk(args.subscribers, prefix="bench")
    figures["subscribers_write_s"] = round(time.perf_counter() - started, 2)
    written = figures["subscribers_write_s"]
    print(f"{args.subscribers} subscribers written in {written} s (load {load()})")

    # -- 2. Enqueueing (campaign A) -----------------------------------------------------
    a = campaign_make(title="bench A")
    started = time.perf_counter()
    Campaign.objects.filter(pk=a.pk).update(status=Campaign.Status.SENDING)  # the button
    frozen = campaigns.campaign_freeze(campaign_id=a.pk)
    freeze_s = time.perf_counter() - started
    settings.NEWSLETTER_SEND_RATE = 0
    released = 0
    while True:
        step = campaigns.campaign_release(campaign_id=a.pk)
        released += step.count
        if step.done:
            break
    total_s = time.perf_counter() - started
    settings.NEWSLETTER_SEND_RATE = args.rate
    figures.update(
        freeze_s=round(freeze_s, 2),
        enqueue_to_outbox_s=round(total_s, 2),
        enqueue_load=load(),
    )
    print(
        f"enqueueing: {frozen} delivery rows in {freeze_s:.2f} s; {released} outbox messages "
        f"written by {total_s:.2f} s (throttle off) (load {load()})"
    )
    OutboxMessage.objects.filter(kind=f"campaign:{a.pk}").delete()

    # -- 3. Sending (campaign B) --------------------------------------------------------
    sink_file = Path(f"/tmp/bench-newsletter-sink-{os.getpid()}.tsv")
    sink_file.unlink(missing_ok=True)
    sink = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(args.smtp_port), str(sink_file)]
    )
    time.sleep(1.5)
    worker_cmd = [
        sys.executable,
        str(ROOT / "manage.py"),
        "db_worker",
        "--no-startup-delay",
        "--no-reload",  # DEBUG's reloader would leave its child running after a kill
        "--interval",
        "0.2",
    ]
    worker_env = {**os.environ, **env}
    b = campaign_make(title="bench B")
    campaigns.campaign_send(campaign_id=b.pk)  # enqueues the freeze once committed
    t0 = time.time()
    worker = subprocess.Popen(worker_cmd, env=worker_env, stdout=subprocess.DEVNULL)
    killed_at = None
    restarts = 0
    last_tick = time.time()
    try:
        while True:
            time.sleep(0.5)
            now = time.time()
            if killed_at is None and args.kill_at and now - t0 >= args.kill_at:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                killed_at = now - t0
                print(f"worker killed at {killed_at:.1f} s (SIGKILL), restarted")
                worker = subprocess.Popen(worker_cmd, env=worker_env, stdout=subprocess.DEVNULL)
                restarts += 1
            if now - last_tick >= 10:  # the clock (every minute in `make run`)
                campaigns_resume()
                last_tick = now
            if args.send_seconds and now - t0 >= args.send_seconds:
                break
            if not args.send_seconds:
                b.refresh_from_db()
                pending = OutboxMessage.objects.filter(
                    sent_at__isnull=True, kind=f"campaign:{b.pk}"
                )
                if (
                    b.status == Campaign.Status.SENT
                    and not pending.filter(claimed_at__isnull=True).exists()
                ):
                    break
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        time.sleep(0.5)
        sink.terminate()
        sink.wait()
    elapsed = time.time() - t0

    # -- 4. Checks ----------------------------------------------------------------------
    lines = [line.split("\t") for line in sink_file.read_text().splitlines() if line]
    times = [float(line[0]) for line in lines]
    ids = Counter(line[1] for line in lines)
    recipients = Counter(line[2] for line in lines)
    duplicate_ids = sum(n - 1 for n in ids.values() if n > 1)
    duplicate_recipients = sum(n - 1 for n in recipients.values() if n > 1)
    per_subscriber = (
        OutboxMessage.objects.filter(kind=f"campaign:{b.pk}")
        .values("object_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    in_doubt = OutboxMessage.objects.filter(
        kind=f"campaign:{b.pk}", sent_at__isnull=True, claimed_at__isnull=False
    ).count()
    released_b = CampaignDelivery.objects.filter(campaign=b, queued_at__isnull=False).count()
    sent_b = OutboxMessage.objects.filter(kind=f"campaign:{b.pk}", sent_at__isnull=False).count()
    windows = []
    if times:
        first = times[0]
        end = times[-1]
        start = first
        while start + 10 <= end:
            windows.append(sum(1 for t in times if start <= t < start + 10) / 10)
            start += 10
    # Steady state: the windows where messages flowed (the freeze before the first one
    # and the gap after the kill, until the clock resumes the chain, are left out).
    flowing = [w for w in windows if w > 0]
    steady = statistics.median(flowing) if flowing else 0.0
    timeline = [
        sum(1 for t in times if t0 + 10 * i <= t < t0 + 10 * (i + 1))
        for i in range(int(elapsed // 10) + 1)
    ]
    print("messages received per 10 s since the send:", " ".join(map(str, timeline)))
    overall = len(times) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    figures.update(
        send_seconds=round(elapsed, 1),
        killed_at_s=round(killed_at, 1) if killed_at else None,
        worker_restarts=restarts,
        received=len(lines),
        released_to_outbox=released_b,
        sent_by_outbox=sent_b,
        steady_rate_per_s=round(steady, 1),
        overall_rate_per_s=round(overall, 1),
        duplicate_message_ids=duplicate_ids,
        duplicate_recipients=duplicate_recipients,
        subscribers_with_two_messages=per_subscriber,
        in_doubt=in_doubt,
        send_load=load(),
        timeline_per_10s=timeline,
    )
    print(
        f"sending at {args.rate}/s: {len(lines)} received in {elapsed:.0f} s; steady "
        f"{steady:.1f}/s (median of the 10 s windows where mail flowed), overall {overall:.1f}/s "
        f"(load {load()})"
    )
    print(
        f"duplicates: {duplicate_ids} Message-IDs, {duplicate_recipients} recipients, "
        f"{per_subscriber} subscribers with two outbox messages; {in_doubt} in doubt "
        f"(claimed by the killed worker, never resent)"
    )
    sink_file.unlink(missing_ok=True)
    print(json.dumps(figures))
    return 0 if duplicate_ids == duplicate_recipients == per_subscriber == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
