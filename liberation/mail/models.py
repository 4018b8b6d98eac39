"""The outbox: one row per email, written in the transaction of the change it reports
and delivered by the worker (see delivery.py and docs/mail.md).

The row does not know the sending app's models: `source` names the sending app (its
renderer in the registry, and the namespace of `kind` and `object_id`), `object_id`
the object the email is about (a registration, an application, a subscription…).
"""

from datetime import timedelta

from django.db import models

MAX_ATTEMPTS = 12  # 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: about 5 h of trying
# Longer than a whole SMTP exchange can take (EMAIL_TIMEOUT per network step).
CLAIM_STALE_AFTER = timedelta(minutes=10)
IN_DOUBT = "In doubt"  # prefix of last_error once reported


class OutboxMessage(models.Model):
    """An email written in the same transaction as the change it reports.

    A worker claims it (committed) before sending; see delivery.py.
    """

    source = models.CharField(max_length=50)
    object_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=50)
    to = models.EmailField()
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=255)
    # Empty until the worker renders it, unless the sender stored the text (a staff
    # message); blanked once sent.
    body = models.TextField(blank=True)
    # Extra headers for later senders (List-Unsubscribe…); Message-ID is the outbox's.
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["sent_at", "next_attempt_at"]),
            models.Index(fields=["source", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}.{self.kind} to {self.to}"
