"""The outbox action ``scoring.band``: a record entered a band; run that band's ``actions`` on it
(the automation engine's action runner, as the record's owner; see docs/automation.md). The band is
read from the live version when the item runs: a band whose actions were removed meanwhile does
nothing."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from runtime.outbox import ActionContext, register_action
from runtime.scoring.recompute import BAND_ACTION

log = logging.getLogger("crm.scoring")


def run_band_actions(ctx: ActionContext, payload: Mapping[str, Any]) -> None:
    from runtime.automation.actions import Runner
    from runtime.automation.approvals import ProcessAction
    from runtime.automation.context import services_for
    schema = services_for(ctx.conn, ctx.clock).schema_cache.get(ctx.conn)
    raw = schema.scoring.get(payload["model"]) or {}
    for i, band in enumerate(raw.get("bands", ())):
        if band.get("key") != payload["band"]:
            continue
        actions = [ProcessAction(a["type"], a, f"/scoring/{payload['model']}/bands/{i}/actions/{j}", {})
                   for j, a in enumerate(band.get("actions", ()))]
        done = Runner(ctx, schema, payload["object"], int(payload["record_id"]),
                      f"scoring:{payload['model']}").run_all(actions)
        log.info("scoring %s: %s %s entered band %s: %s", payload["model"], payload["object"],
                 payload["record_id"], payload["band"], "; ".join(done))


register_action(BAND_ACTION, run_band_actions, description="Run a scoring band's actions on a record that entered it.")
