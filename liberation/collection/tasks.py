"""The collection's background work (django-tasks, `manage.py db_worker`)."""

from django_tasks import task


@task()
def item_process_task(item_id: int) -> str:
    """Check and re-encode one uploaded item (items.item_process)."""
    from .items import item_process

    return item_process(item_id=item_id)
