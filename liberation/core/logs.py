"""Logging filters (settings/base.py, LOGGING)."""

import logging


class RuleRefusals(logging.Filter):
    """Django logs every 4xx answer as a WARNING ("Conflict: /fr/r/inscription/3/"). On
    this site a 409 is a rule refusal answered on purpose (seats gone, registration
    closed, already registered, a deadline passed): after a sell-out every POST gets
    one, and a rush wrote 1,500 such lines. They become INFO records, written only when
    LOG_LEVEL is INFO or DEBUG; every other 4xx and 5xx stays as Django logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 409:
            return True
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return logging.getLogger().isEnabledFor(logging.INFO)
