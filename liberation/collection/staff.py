"""The historians' group: the admin access and the moderation permission. Called by
the site bootstrap (`prepare`, so `make run` and deploys)."""

from django.contrib.auth.models import Group, Permission

MODERATOR_GROUP_NAME = "Historiens de la collecte"


def moderator_group_ensure() -> Group:
    """The historians' group with its permissions; idempotent."""
    group, _created = Group.objects.get_or_create(name=MODERATOR_GROUP_NAME)
    permissions = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ) | Permission.objects.filter(content_type__app_label="collection", codename="moderate_story")
    group.permissions.add(*permissions)
    return group
