"""Site structure: everything a fresh database needs to be the site, built from what
each app supplies.

`site_ensure_structure` is idempotent: it creates what is missing and leaves what
editors have changed alone. In order: content's structure (locales, homes, sections),
the institutional pages and the footer that links them (core's page type and
settings), the editorial workflow, and the ceremony staff group (registrations).
`make run`, the demo-content command and the benchmark commands call it; this app is
the top floor, so it may import every other app (docs/architecture.md).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.html import escape
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from liberation.collection.staff import moderator_group_ensure
from liberation.content.services import ContentStructure, content_structure_ensure
from liberation.core.models import FooterSettings, StandardPage
from liberation.core.services import page_child_ensure, page_translation_ensure
from liberation.programme.staff import reviewer_group_ensure
from liberation.registrations.staff_services import staff_group_ensure

from .institutional import PAGES

EDITORS_GROUP = "Rédacteurs"
HISTORIANS_GROUP = "Historiens"
WORKFLOW_NAME = "Relecture historique"

# The homes and sections (content's): what the importer, the tests and the benchmark
# commands need to know of the structure.
SiteStructure = ContentStructure


def simple_body(paragraphs: list[str]) -> list[dict]:
    """StreamField data for plain paragraphs; a paragraph starting with '## ' is a heading."""
    blocks = []
    for text in paragraphs:
        if text.startswith("## "):
            blocks.append({"type": "heading", "value": {"text": text[3:], "level": "h2"}})
        else:
            blocks.append({"type": "paragraph", "value": f"<p>{escape(text)}</p>"})
    return blocks


@transaction.atomic
def site_ensure_structure() -> SiteStructure:
    structure = content_structure_ensure()
    home = structure.homes["fr"]
    footer_pages = institutional_pages_ensure(home=home)
    footer = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    for role, page in footer_pages.items():
        field = f"{role}_page_id"
        if getattr(footer, field) is None:
            setattr(footer, field, page.pk)
    footer.save()

    editorial_workflow_ensure(home=home)
    staff_group_ensure()
    reviewer_group_ensure()
    moderator_group_ensure()
    return structure


def institutional_pages_ensure(*, home: Page) -> dict[str, StandardPage]:
    """Legal notice, accessibility, personal data and cookies, in both languages: role →
    French page."""
    pages = {}
    for role, languages in PAGES.items():
        slug, title, paragraphs = languages["fr"]
        page = page_child_ensure(
            parent=home, model=StandardPage, slug=slug, title=title, body=simple_body(paragraphs)
        )
        slug, title, paragraphs = languages["en"]
        page_translation_ensure(
            source=page, language="en", title=title, slug=slug, body=simple_body(paragraphs)
        )
        pages[role] = page
    return pages


def editorial_workflow_ensure(*, home: Page) -> Workflow:
    """Editors write and submit; historians review and publish (editor → review → publish)."""
    editors, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    historians, _ = Group.objects.get_or_create(name=HISTORIANS_GROUP)
    admin_access = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for group in (editors, historians):
        group.permissions.add(admin_access)
        for model in ("image", "document"):
            app = "wagtailimages" if model == "image" else "wagtaildocs"
            for action in ("add", "change", "choose"):
                perm = Permission.objects.filter(
                    content_type__app_label=app, codename=f"{action}_{model}"
                ).first()
                if perm:
                    group.permissions.add(perm)
    for locale_home in [home, *home.get_translations()]:
        for group, codenames in (
            (editors, ["add_page", "change_page"]),
            (historians, ["add_page", "change_page", "publish_page"]),
        ):
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=group,
                    page=locale_home,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailcore", codename=codename
                    ),
                )

    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if created:
        task = GroupApprovalTask.objects.create(name="Relecture par un historien")
        task.groups.set([historians])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for locale_home in [home, *home.get_translations()]:
        WorkflowPage.objects.get_or_create(page=locale_home, defaults={"workflow": workflow})
    return workflow
