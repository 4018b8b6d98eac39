"""Decision emails delivered by the mail worker: our renderer writes the body at
delivery, in the organiser's language; never the organiser's link."""

import pytest
from django.core import mail

from liberation.mail.delivery import outbox_deliver
from liberation.mail.registry import renderer_for
from liberation.programme import review_emails
from liberation.programme.factories import project_make
from liberation.programme.review_services import project_decide

from .review_fixtures import *  # noqa: F403
from .review_fixtures import State

pytestmark = pytest.mark.django_db


def test_the_renderer_is_registered():
    assert renderer_for(review_emails.SOURCE) is review_emails.render


def decided(campaign, communes, manche, *, language, decision, reason=""):
    project, token = project_make(
        campaign=campaign,
        commune=communes["50129"],
        state=State.UNDER_REVIEW,
        language=language,
        title="Bal de la Libération",
    )
    project_decide(project_id=project.pk, actor=manche, decision=decision, reason=reason)
    assert outbox_deliver() == 1
    [sent] = mail.outbox
    assert token not in sent.body
    return project, sent


def test_labelled_in_french(campaign, communes, manche):
    project, sent = decided(campaign, communes, manche, language="fr", decision=State.LABELLED)
    assert sent.to == [project.contact_email]
    assert sent.extra_headers["Content-Language"] == "fr"
    assert sent.subject == "Votre projet est labellisé\u00a0: Bal de la Libération"
    assert sent.body.startswith("Bonjour Marie Organisatrice,")
    assert "«\u00a0Bal de la Libération\u00a0» a reçu le label" in sent.body
    assert "utilisez le lien de votre premier courriel" in sent.body
    assert "&" not in sent.body  # plain text, not HTML-escaped


def test_changes_requested_in_english_with_the_reason(campaign, communes, manche):
    _project, sent = decided(
        campaign,
        communes,
        manche,
        language="en",
        decision=State.CHANGES_REQUESTED,
        reason="Add the times of each evening & the venue's address.",
    )
    assert sent.extra_headers["Content-Language"] == "en"
    assert sent.subject == "Changes requested to your application: Bal de la Libération"
    assert "needs some changes" in sent.body
    assert "Add the times of each evening & the venue's address." in sent.body
    assert "use the link from your first email" in sent.body


def test_refused_in_french(campaign, communes, manche):
    _project, sent = decided(
        campaign, communes, manche, language="fr", decision=State.REFUSED, reason="Hors période."
    )
    assert sent.subject.startswith("Votre candidature n’a pas été retenue")
    assert "Motif indiqué par les instructeurs" in sent.body and "Hors période." in sent.body


def test_nothing_to_send_when_the_project_is_gone(campaign, communes, manche):
    project, _ = project_make(
        campaign=campaign, commune=communes["50129"], state=State.UNDER_REVIEW
    )
    message = review_emails.queue_decision(project=project, kind=State.LABELLED)
    project.delete()
    assert review_emails.render(message) is None
