"""The programme's public events (labelled projects) in the site search.

Discovery (search) and programme (label applications) do not know each other: this
top-floor module gives discovery a document source (`discovery.sources`) that reads
the agenda's public events through the agenda's selectors (labelled projects, whatever
their status: the agenda shows a cancelled event as cancelled), and listens to
programme's publication seam (`programme.publication.on_change`: labelled, back to
review, withdrawn from the agenda, sessions or status changed) to enqueue discovery's
`reindex_documents` task after the commit. Wired by `SiteConfig.ready()`.

One document per event, in the language the organiser wrote it in, keyed by its public
id, linking to its agenda page in that language (/fr/agenda/<public_id>/). Only what
that page shows goes into the index: title, description, type, theme, status, venue,
commune and the date of its first session. Never the organiser's name, email, phone,
SIRET, budget, the reviewers' notes or reasons, nor anything of a project that is not
labelled (draft, submitted, under review, refused, withdrawn).
"""

from collections.abc import Iterable

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liberation.agenda.present import description_in, event_path, kind_label, title_in
from liberation.agenda.selectors import labelled_projects, labelled_public_ids
from liberation.discovery.sources import Document, DocumentSource
from liberation.programme.models import Project

SOURCE = "event"


def _status_label(project: Project, lang: str) -> str:
    """The status shown on the event page when it is not simply scheduled."""
    if project.status == Project.Status.SCHEDULED:
        return ""
    with translation.override(lang):
        return str(Project.Status(project.status).label)


def event_document(project: Project) -> Document:
    """The search document of a labelled project (commune, theme and sessions loaded)."""
    lang = project.language if project.language in ("fr", "en") else "fr"
    commune = project.commune
    where = f"{commune.name} ({commune.departement_id})" if commune else ""
    sessions = sorted(project.sessions.all(), key=lambda s: s.starts_at)
    theme = project.theme
    status = _status_label(project, lang)
    description = description_in(project, lang)
    return Document(
        key=project.public_id,
        lang=lang,
        title=title_in(project, lang),
        url=event_path(project, lang),
        date=timezone.localdate(sessions[0].starts_at) if sessions else None,
        lead=f"{status}. {description}" if status else description,
        keywords=" ".join(
            filter(
                None,
                [
                    kind_label(project.kind, lang) if project.kind else "",
                    (theme.name_en if lang == "en" else theme.name_fr) if theme else "",
                ],
            )
        ),
        place=", ".join(filter(None, [project.venue, where])),
        departements=(commune.departement_id,) if commune else (),
    )


def event_documents(keys: list[str]) -> Iterable[Document]:
    """The public events among these public ids, as search documents."""
    return [event_document(project) for project in labelled_projects(keys)]


def event_changed(project_id: int) -> None:
    """Programme's listener (after the commit): reindex the event through the queue,
    whatever the project's new state (an event no longer public leaves the index)."""
    from liberation.discovery.indexing import reindex_documents

    public_id = Project.objects.filter(pk=project_id).values_list("public_id", flat=True).first()
    if public_id:
        reindex_documents.enqueue(SOURCE, [public_id])


def events_source() -> DocumentSource:
    return DocumentSource(
        name=SOURCE,
        label=lambda: _("Event"),
        documents=event_documents,
        keys=labelled_public_ids,
    )


def register() -> None:
    from liberation.discovery.sources import source_register
    from liberation.programme.publication import on_change

    source_register(events_source())
    on_change(event_changed)
