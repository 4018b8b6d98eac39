from django.contrib.auth.models import Group
from wagtail.models import Page, Site, Workflow

from liberation.content.models import HomePage, SectionIndexPage
from liberation.core.models import FooterSettings, StandardPage
from liberation.site.services import (
    EDITORS_GROUP,
    HISTORIANS_GROUP,
    WORKFLOW_NAME,
    site_ensure_structure,
)


def test_structure_has_both_languages(structure):
    assert structure.homes["fr"].locale.language_code == "fr"
    assert structure.homes["en"].locale.language_code == "en"
    assert structure.homes["en"].translation_key == structure.homes["fr"].translation_key
    assert Site.objects.get(is_default_site=True).root_page_id == structure.homes["fr"].pk
    assert SectionIndexPage.objects.count() == 6
    assert StandardPage.objects.live().count() == 8


def test_structure_is_idempotent(structure):
    pages, revisions = Page.objects.count(), structure.homes["fr"].revisions.count()
    site_ensure_structure()
    assert Page.objects.count() == pages
    assert structure.homes["fr"].revisions.count() == revisions
    assert HomePage.objects.count() == 2
    assert Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1


def test_footer_points_to_the_four_mandatory_pages(structure):
    footer = FooterSettings.for_site(Site.objects.get(is_default_site=True))
    assert footer.accessibility_page.slug == "accessibilite"
    assert footer.legal_page.slug == "mentions-legales"
    assert footer.personal_data_page.slug == "donnees-personnelles"
    assert footer.cookies_page.slug == "gestion-des-cookies"


def test_editorial_workflow_editor_then_historian(structure):
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    tasks = list(workflow.tasks.all())
    assert len(tasks) == 1
    assert list(tasks[0].specific.groups.values_list("name", flat=True)) == [HISTORIANS_GROUP]
    for home in structure.homes.values():
        assert home.get_workflow() == workflow
    editors = Group.objects.get(name=EDITORS_GROUP)
    historians = Group.objects.get(name=HISTORIANS_GROUP)
    assert not editors.page_permissions.filter(permission__codename="publish_page").exists()
    assert historians.page_permissions.filter(permission__codename="publish_page").exists()


def test_submitting_a_page_starts_the_review(structure, make_page, django_user_model):
    from liberation.content.models import ArticlePage

    editor = django_user_model.objects.create_user(username="redac", password="x")
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    page = make_page(ArticlePage, title="Brouillon")
    workflow = page.get_workflow()
    state = workflow.start(page, editor)
    assert state.current_task_state.task.specific.groups.filter(name=HISTORIANS_GROUP).exists()
    assert not page.permissions_for_user(editor).can_publish()


def test_structure_creates_the_ceremony_staff_group(structure):
    from liberation.registrations.staff_services import STAFF_GROUP_NAME

    group = Group.objects.get(name=STAFF_GROUP_NAME)
    assert group.permissions.filter(codename="add_checkin").exists()


def test_the_importer_needs_only_the_content_structure(structure):
    """content_structure_ensure (homes and sections, what the importer writes into) is
    the part of the site structure that content owns: on its own, it finds the same."""
    from liberation.content.services import content_structure_ensure

    pages = Page.objects.count()
    assert content_structure_ensure() == structure
    assert Page.objects.count() == pages


def test_default_site_takes_its_address_from_site_url(structure):
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8000)  # SITE_URL's default
