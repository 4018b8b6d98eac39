"""The group département reviewers join: it opens the Wagtail admin; what they see in
it is decided by their ReviewerScope (review_selectors.projects_for), never by the group.
Called by the site bootstrap (`prepare`, so `make run` and deploys)."""

from django.contrib.auth.models import Group, Permission

REVIEWER_GROUP_NAME = "Instructeurs du label"


def reviewer_group_ensure() -> Group:
    """The reviewers' group with the admin access permission; idempotent."""
    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP_NAME)
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access is not None:
        group.permissions.add(access)
    return group
