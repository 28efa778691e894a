"""Loaded by worker processes through CRM_ACTION_MODULES in the fault test: while the file named by
``CRM_TEST_HOLD`` exists, a rule's create_record announces the process id in ``CRM_TEST_STARTED``
and sleeps (after writing its row, inside the uncommitted transaction), so the test can kill it."""
from __future__ import annotations

import os
import time
from pathlib import Path

from runtime.automation.actions import Runner

MODULE = __name__
_original = Runner._create_record


def _holding(self, action, record):
    result = _original(self, action, record)
    hold = os.environ.get("CRM_TEST_HOLD")
    if hold and Path(hold).exists():
        Path(hold).unlink()
        Path(os.environ["CRM_TEST_STARTED"]).write_text(str(os.getpid()))
        time.sleep(30)
    return result


Runner._create_record = _holding  # type: ignore[method-assign]
