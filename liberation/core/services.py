"""Page helpers for the apps that build the site's structure (content's homes and
sections, the site app's institutional pages): a page or its translation is created,
and published, only when it is missing; what editors changed since is left alone.
"""

from wagtail.models import Locale, Page


def page_publish(*, page: Page) -> None:
    page.save_revision().publish()


def page_translation_ensure(
    *, source: Page, language: str, title: str, slug: str, **fields
) -> Page:
    """The `language` version of `source`, created and published if missing."""
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
    page_publish(page=page)
    return page


def page_child_ensure(*, parent: Page, model: type[Page], slug: str, **fields) -> Page:
    """The child of `parent` of type `model` with this slug, created and published if
    missing."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page_publish(page=page)
    return page
