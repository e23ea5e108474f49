"""Schemathesis against the API's own OpenAPI document: no input makes a 5xx, every answer fits the schema.

Bounded so it finishes in a minute or two: a few examples per operation, positive and negative data,
each request made by a different role in turn (bearer tokens), on the module's SQLite world.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from lianrong.entrypoints.api.app import create_app
from lianrong.settings import Settings

pytestmark = pytest.mark.slow  # every operation of the OpenAPI document, fuzzed

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
_turn = itertools.count()

# The OpenAPI document needs no database: build the app around a bare context now (schemathesis reads the
# schema at import) and give it the module's world before the first request. The rate limit is tested
# elsewhere; here it would only turn findings into 429s.
app = create_app(SimpleNamespace(settings=Settings(environment="test", api_rate_limit_per_minute=10**9)), console=False)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture(autouse=True, scope="module")
def _wired(api_world):
    app.state.ctx = api_world.ctx
    yield
    app.state.ctx = None


@schema.parametrize()
@hypothesis.settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error_and_every_answer_fits_the_schema(case, api_world):
    roles = ("core_op", "sup_op", "bank_ap", "district_admin", "district")
    token = api_world.tokens[roles[next(_turn) % len(roles)]]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
