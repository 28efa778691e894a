"""For the sweep tests of files and imports: the folder's app on the stages kit's travelling clock,
and ``crm tick`` as a summary per task."""
from __future__ import annotations

import json

import pytest

from tests.runtime.stages.kit import clock, tick  # noqa: F401 - clock is a fixture


@pytest.fixture
def any_app(make_app, db_url, clock):  # noqa: F811 - the folder's app, on a clock the tests move
    return make_app(database_url=db_url, clock=clock)


def run_tick(app) -> dict:
    """One ``crm tick`` at the app's clock: ``{task: summary}``."""
    return json.loads(tick(app, app.extensions["crm"].clock.now()))
