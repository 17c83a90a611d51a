"""Fixtures of the HTTP-layer tests."""
from __future__ import annotations

import pytest

from socialgraph.app import create_app
from tests.conftest import unique


@pytest.fixture()
def make_app(app_config):
    """``make_app(**overrides)`` -> a new app on the suite's servers with its own
    rate-limit key prefix (no budget shared with another test); closed at the end."""
    made = []

    def make(**overrides):
        app = create_app({**app_config, "RATELIMIT_KEY_PREFIX": unique("rl"), **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["socialgraph"].close()
