"""Reviewer actions: take and assign, notes, decisions with reasons, the national
decision path, double submission, emails and the audit log."""

import pytest
from django.utils import translation

from liberation.mail.models import OutboxMessage
from liberation.programme import review_emails
from liberation.programme.factories import campaign_make, project_make
from liberation.programme.models import AuditEntry, Note, Project
from liberation.programme.review_services import (
    ReviewError,
    note_add,
    project_assign,
    project_decide,
    project_opinion_give,
    project_take,
)

from .review_fixtures import *  # noqa: F403
from .review_fixtures import State

pytestmark = pytest.mark.django_db


def review(project, user):
    return project_take(project_id=project.pk, actor=user)


def emails_of(project):
    return list(OutboxMessage.objects.filter(source=review_emails.SOURCE, object_id=project.pk))


def test_take_moves_a_submitted_project_under_review_and_audits(project_50, manche):
    review(project_50, manche)
    project_50.refresh_from_db()
    assert project_50.state == State.UNDER_REVIEW
    assert project_50.reviewer == manche
    actions = list(AuditEntry.objects.filter(project=project_50).values_list("action", flat=True))
    assert actions == ["submitted→under_review", "assigned"]
    assert AuditEntry.objects.filter(project=project_50, actor=manche).count() == 2


def test_assign_to_a_reviewer_in_scope_keeps_the_state_when_under_review(
    project_50, manche, national
):
    review(project_50, national)
    project_assign(project_id=project_50.pk, actor=national, reviewer=manche)
    project_50.refresh_from_db()
    assert project_50.reviewer == manche and project_50.state == State.UNDER_REVIEW


def test_assign_to_a_reviewer_of_another_departement_is_refused(project_50, manche, calvados):
    with pytest.raises(ReviewError) as error:
        project_assign(project_id=project_50.pk, actor=manche, reviewer=calvados)
    assert error.value.code == "reviewer_out_of_scope"
    project_50.refresh_from_db()
    assert project_50.state == State.SUBMITTED and project_50.reviewer is None
    assert not AuditEntry.objects.filter(project=project_50).exists()


def test_an_actor_outside_the_scope_does_not_find_the_project(project_50, calvados, outsider):
    for user in (calvados, outsider):
        with pytest.raises(ReviewError) as error:
            review(project_50, user)
        assert error.value.code == "not_found"
        with pytest.raises(ReviewError):
            note_add(project_id=project_50.pk, actor=user, text="x")
        with pytest.raises(ReviewError):
            project_decide(project_id=project_50.pk, actor=user, decision=State.LABELLED)


def test_a_draft_is_not_for_reviewers(campaign, communes, national):
    draft, _ = project_make(campaign=campaign, commune=communes["50129"], state=State.DRAFT)
    with pytest.raises(ReviewError) as error:
        review(draft, national)
    assert error.value.code == "not_found"


@pytest.mark.parametrize("state", [State.REFUSED, State.WITHDRAWN, State.LABELLED])
def test_a_closed_project_cannot_be_taken(campaign, communes, manche, state):
    project, _ = project_make(campaign=campaign, commune=communes["50129"], state=state)
    with pytest.raises(ReviewError) as error:
        review(project, manche)
    assert error.value.code == "not_open"


def test_a_private_note_is_stored_and_audited(project_50, manche):
    note_add(project_id=project_50.pk, actor=manche, text="  Dossier complet.  ")
    assert Note.objects.get(project=project_50).text == "Dossier complet."
    assert AuditEntry.objects.filter(project=project_50, action="note").exists()
    with pytest.raises(ReviewError) as error:
        note_add(project_id=project_50.pk, actor=manche, text="   ")
    assert error.value.code == "empty_note"


def test_labelling_sets_the_dates_and_emails_the_organiser_in_french(project_50, manche):
    review(project_50, manche)
    project_decide(project_id=project_50.pk, actor=manche, decision=State.LABELLED)
    project_50.refresh_from_db()
    assert project_50.state == State.LABELLED
    assert project_50.decided_at and project_50.labelled_at
    [message] = emails_of(project_50)
    assert message.to == project_50.contact_email and message.language == "fr"
    assert message.kind == "labelled"
    assert message.subject.startswith("Votre projet est labellisé")
    with translation.override("fr"):
        body = review_emails.render(message)
    assert "a reçu le label" in body and "premier courriel" in body
    assert AuditEntry.objects.filter(project=project_50, action="under_review→labelled").exists()


def test_a_refusal_is_emailed_in_english_with_its_reason(campaign, communes, manche):
    project, _ = project_make(
        campaign=campaign, commune=communes["50129"], state=State.UNDER_REVIEW, language="en"
    )
    project_decide(
        project_id=project.pk, actor=manche, decision=State.REFUSED, reason="Out of the period."
    )
    project.refresh_from_db()
    assert project.state == State.REFUSED and project.decided_at and not project.labelled_at
    [message] = emails_of(project)
    assert message.language == "en"
    assert message.subject.startswith("Your application was not accepted")
    with translation.override("en"):
        body = review_emails.render(message)
    assert "Out of the period." in body and "use the link from your first email" in body


@pytest.mark.parametrize("decision", [State.REFUSED, State.CHANGES_REQUESTED])
def test_a_reason_is_required_to_refuse_or_request_changes(project_50, manche, decision):
    review(project_50, manche)
    with pytest.raises(ReviewError) as error:
        project_decide(project_id=project_50.pk, actor=manche, decision=decision, reason="  ")
    assert error.value.code == "reason_required"
    project_50.refresh_from_db()
    assert project_50.state == State.UNDER_REVIEW and project_50.decided_at is None
    assert emails_of(project_50) == []


def test_changes_requested_lets_the_organiser_resubmit(project_50, manche):
    review(project_50, manche)
    project_decide(
        project_id=project_50.pk,
        actor=manche,
        decision=State.CHANGES_REQUESTED,
        reason="Précisez les horaires.",
    )
    project_50.refresh_from_db()
    assert project_50.state == State.CHANGES_REQUESTED
    assert [m.kind for m in emails_of(project_50)] == ["changes_requested"]


def test_a_decision_needs_the_project_under_review(project_50, manche):
    with pytest.raises(ReviewError) as error:
        project_decide(project_id=project_50.pk, actor=manche, decision=State.LABELLED)
    assert error.value.code == "not_open"


def test_an_unknown_decision_is_refused(project_50, manche):
    review(project_50, manche)
    with pytest.raises(ReviewError) as error:
        project_decide(project_id=project_50.pk, actor=manche, decision=State.WITHDRAWN)
    assert error.value.code == "not_a_decision"


def test_a_second_submission_of_the_same_decision_changes_nothing(project_50, manche):
    review(project_50, manche)
    project_decide(
        project_id=project_50.pk,
        actor=manche,
        decision=State.LABELLED,
        expected_state=State.UNDER_REVIEW,
    )
    with pytest.raises(ReviewError) as error:
        project_decide(
            project_id=project_50.pk,
            actor=manche,
            decision=State.LABELLED,
            expected_state=State.UNDER_REVIEW,
        )
    assert error.value.code == "already_decided"
    assert len(emails_of(project_50)) == 1
    assert (
        AuditEntry.objects.filter(project=project_50, action="under_review→labelled").count() == 1
    )


def test_national_decision_path(national_campaign, communes, manche, national):
    project, _ = project_make(
        campaign=national_campaign, commune=communes["50129"], state=State.SUBMITTED
    )
    review(project, manche)
    # The département cannot decide, it gives its opinion, with reasons.
    with pytest.raises(ReviewError) as error:
        project_decide(project_id=project.pk, actor=manche, decision=State.LABELLED)
    assert error.value.code == "national_decides"
    with pytest.raises(ReviewError) as error:
        project_opinion_give(project_id=project.pk, actor=manche, opinion="favourable", reason="")
    assert error.value.code == "reason_required"
    with pytest.raises(ReviewError) as error:
        project_opinion_give(project_id=project.pk, actor=manche, opinion="maybe", reason="x")
    assert error.value.code == "not_opinion"
    project_opinion_give(
        project_id=project.pk, actor=manche, opinion="favourable", reason="Projet solide."
    )
    project.refresh_from_db()
    assert project.state == State.OPINION_GIVEN and project.opinion == "favourable"
    assert emails_of(project) == []  # not a decision: the organiser is not told
    entry = AuditEntry.objects.get(project=project, action="under_review→opinion_given")
    assert entry.detail == "favourable: Projet solide." and entry.actor == manche
    # Still not the département's to decide.
    with pytest.raises(ReviewError) as error:
        project_decide(project_id=project.pk, actor=manche, decision=State.LABELLED)
    assert error.value.code == "national_decides"
    project_decide(project_id=project.pk, actor=national, decision=State.LABELLED)
    project.refresh_from_db()
    assert project.state == State.LABELLED and project.labelled_at
    assert [m.kind for m in emails_of(project)] == ["labelled"]


def test_no_opinion_step_without_national_decision(project_50, manche):
    review(project_50, manche)
    with pytest.raises(ReviewError) as error:
        project_opinion_give(
            project_id=project_50.pk, actor=manche, opinion="favourable", reason="x"
        )
    assert error.value.code == "no_opinion_step"


def test_a_regional_campaign_is_reviewed_in_its_departements(communes, manche):
    campaign = campaign_make(name="Normandie", departements=["50", "14"])
    project, _ = project_make(campaign=campaign, commune=communes["50129"])
    review(project, manche)
    assert Project.objects.get(pk=project.pk).state == State.UNDER_REVIEW
