"""Site structure: locales, home pages, sections, institutional pages, workflow.

`site_ensure_structure` is idempotent: it creates what is missing and leaves what
editors have changed alone. The demo-content command and the importer both call it.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.html import escape
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .demo.institutional import HOME, PAGES, SECTIONS

LANGUAGES = ("fr", "en")
EDITORS_GROUP = "Rédacteurs"
HISTORIANS_GROUP = "Historiens"
WORKFLOW_NAME = "Relecture historique"


@dataclass
class SiteStructure:
    homes: dict  # language code -> HomePage
    sections: dict  # (kind, language code) -> SectionIndexPage


def simple_body(paragraphs: list[str]) -> list[dict]:
    """StreamField data for plain paragraphs; a paragraph starting with '## ' is a heading."""
    blocks = []
    for text in paragraphs:
        if text.startswith("## "):
            blocks.append({"type": "heading", "value": {"text": text[3:], "level": "h2"}})
        else:
            blocks.append({"type": "paragraph", "value": f"<p>{escape(text)}</p>"})
    return blocks


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _translated(source: Page, *, language: str, title: str, slug: str, **fields) -> Page:
    """Return the `language` version of `source`, creating and publishing it if missing."""
    locale = Locale.objects.get(language_code=language)
    existing = source.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    page = source.copy_for_translation(locale).specific
    page.title = title
    page.slug = slug
    for name, value in fields.items():
        setattr(page, name, value)
    page.save()
    _publish(page)
    return page


def _child(parent: Page, model, *, slug: str, **fields) -> Page:
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    _publish(page)
    return page


@transaction.atomic
def site_ensure_structure() -> SiteStructure:
    from liberation.content.models import HomePage, SectionIndexPage

    from .models import FooterSettings, StandardPage

    for code in LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    fr = Locale.objects.get(language_code="fr")
    root = Page.get_first_root_node()
    if root is None:  # a flushed database (Wagtail creates the root in a data migration)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=fr, live=True))

    home = HomePage.objects.filter(locale=fr).first()
    if home is None:
        title, intro = HOME["fr"]
        home = HomePage(title=title, slug="accueil", intro=intro, locale=fr)
        root.add_child(instance=home)
        _publish(home)
    site_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    host = site_url.hostname or "localhost"
    port = site_url.port or (443 if site_url.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname=host, port=port, root_page=home, is_default_site=True)
    else:
        if (site.hostname, site.port) == ("localhost", 80):  # as Wagtail's migration made it
            site.hostname, site.port = host, port
        site.root_page = home
        site.save()
    # The page Wagtail creates on a fresh database ("Welcome to your new Wagtail site!").
    Page.objects.filter(depth=2, content_type=ContentType.objects.get_for_model(Page)).delete()

    title, intro = HOME["en"]
    homes = {
        "fr": home,
        "en": _translated(home, language="en", title=title, slug="home", intro=intro),
    }

    sections = {}
    for kind, names in SECTIONS.items():
        slug, title = names["fr"]
        section = SectionIndexPage.objects.child_of(home).filter(kind=kind).first()
        if section is None:
            section = _child(
                home, SectionIndexPage, slug=slug, title=title, kind=kind, show_in_menus=True
            )
        sections[(kind, "fr")] = section
        slug, title = names["en"]
        sections[(kind, "en")] = _translated(section, language="en", title=title, slug=slug)

    footer_pages = {}
    for role, languages in PAGES.items():
        slug, title, paragraphs = languages["fr"]
        page = _child(home, StandardPage, slug=slug, title=title, body=simple_body(paragraphs))
        slug, title, paragraphs = languages["en"]
        _translated(page, language="en", title=title, slug=slug, body=simple_body(paragraphs))
        footer_pages[role] = page

    footer = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    for role, page in footer_pages.items():
        field = f"{role}_page_id"
        if getattr(footer, field) is None:
            setattr(footer, field, page.pk)
    footer.save()

    editorial_workflow_ensure(home=home)
    from liberation.registrations.staff_services import staff_group_ensure

    staff_group_ensure()
    return SiteStructure(homes=homes, sections=sections)


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
