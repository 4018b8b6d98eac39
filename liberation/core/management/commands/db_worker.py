"""`manage.py db_worker`: django-tasks' database worker, made to outlive a database stall.

The library's worker exits on a database error it does not expect: on SQLite, a lock
held longer than the busy timeout fails its `BEGIN EXCLUSIVE`; on PostgreSQL, a server
restart breaks its connection. The queue (emails, Wagtail's reference index, image
renditions) then stops until someone restarts the worker. This one logs one line,
waits (1 s, then twice as long at each failure, at most `MAX_DELAY`), checks that the
queue can be read again (one line when it can) and goes on.

Same name and options as the library's command, which it replaces: `liberation.core`
comes before `django_tasks_db` in INSTALLED_APPS.
"""

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from liberation.core.database import close_connections, first_line

logger = logging.getLogger("liberation.worker")

FIRST_DELAY = 1.0
MAX_DELAY = 10.0


def retry_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th failure in a row: 1, 2, 4, 8, 10, 10…"""
    return min(FIRST_DELAY * 2 ** (failures - 1), MAX_DELAY)


class PatientWorker(library.Worker):
    """The library's worker, run again after each database error instead of exiting."""

    def run(self) -> None:
        failures = 0
        failing_since: float | None = None
        while self.running:
            try:
                if failing_since is not None:
                    self.check_database()
                    logger.warning(
                        "Task worker: the database answers again after %.0f s.",
                        time.monotonic() - failing_since,
                    )
                    failures, failing_since = 0, None
                super().run()
                return  # --batch or --max-tasks: done
            except (OperationalError, InterfaceError) as error:
                failures += 1
                if failing_since is None:
                    failing_since = time.monotonic()
                delay = retry_delay(failures)
                logger.warning(
                    "Task worker: database error (%s); next try in %.0f s.",
                    first_line(error),
                    delay,
                )
                close_connections()
                time.sleep(delay)  # a stop signal ends the worker here (library.shutdown)

    def check_database(self) -> None:
        """Raise while the queue cannot be read: the same write transaction as a poll."""
        tasks = DBTaskResult.objects.ready()
        with exclusive_transaction(tasks.db):
            tasks.exists()


class Command(library.Command):
    help = "Run the database task worker; it waits out database errors instead of exiting."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # The library's handle(), with PatientWorker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: no reload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = PatientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if not reload:
            worker.configure_signals()
            worker.run()
            return
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            worker.configure_signals()  # in the reloaded child only
        run_with_reloader(worker.run)
