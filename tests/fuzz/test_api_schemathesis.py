"""The public API fuzzed from its own OpenAPI document (/api/openapi.json,
liberation/site/openapi.py) with schemathesis, in process through the WSGI handler (no
network): no answer is a 5xx, and every answer conforms to the document (status code,
content type, body schema). Bounded by `MAX_EXAMPLES` per operation (about 20 s in
all on the 2-core machine). docs/testing.md."""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings

from liberation.site.openapi import openapi_document

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))  # CI; a deeper run: FUZZ_EXAMPLES=500

schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = WSGIHandler()

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.specs.openapi.checks.status_code_conformance,
    schemathesis.specs.openapi.checks.content_type_conformance,
    schemathesis.specs.openapi.checks.response_schema_conformance,
]

pytestmark = pytest.mark.fuzz


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_public_api(case, in_test_transaction, content):
    case.call_and_validate(checks=CHECKS)
