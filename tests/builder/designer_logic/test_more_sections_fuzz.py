"""No post breaks the new editors: 100 random malformed forms (odd names, odd values, stale or missing
revisions, row operations on nothing) to each of reports, roles, teams, permissions and the calendar
give an answer below 500, and the page still renders afterwards."""
from __future__ import annotations

import random

import pytest
from werkzeug.datastructures import MultiDict

from tests.builder.designer_logic.kit import analyst, designer_app, draft, form_fields  # noqa: F401
from tests.builder.designer_logic.test_more_sections import new

EDITORS = {"reports": ("sample_test", "r1"), "roles": (None, "presales"), "teams": (None, "east"),
           "permissions": (None, "rep"), "calendar": (None, None)}
VALUES = ["", " ", "\x00", "9" * 40, "-1", "1e999999", "NaN", "Infinity", "0.5", "9", "8", "<script>x</script>",
          "../..", "@", "/", "~1", "中文", "true", "false", "[]", "{}", "x" * 5000, "2026-13-45", "25:99",
          "sample_test", "budget", "hidden", "own", "metric", "funnel", "IF(", "budgett > 1", "1/0", "rep", "east"]
PARTS = ["@0", "@1", "@v", "@key", "@row", "@present", "@bool", "@multi", "@99999999999999", "0", "1", "-1", "99",
         "fields", "scope", "scope_when", "read", "workdays", "holidays", "work_hours", "start", "measures",
         "function", "type", "label", "zh-CN", "parent", "x", ""]
OPS = ["save", "add:holidays", "add:thresholds", "remove:holidays/0", "up:holidays/1", "down:holidays/0",
       "add:", "add:@0/fields", "remove:", "explode:x", "add:workdays", "remove:thresholds/99999999999", "add:/",
       "down:measures/count", "up:-1"]


def mutate(fields: list[tuple[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    kept = ("csrf_token", "_revision")           # mostly valid, so most posts reach the parser and the save
    out = [f for f in fields if f[0] in kept or rng.random() > 0.15]
    for i in range(len(out)):
        if out[i][0] not in kept and rng.random() < 0.3:
            out[i] = (out[i][0], rng.choice(VALUES))
    for _ in range(rng.randint(0, 8)):
        name = "v/" + "/".join(rng.choice(PARTS) for _ in range(rng.randint(1, 5)))
        out.append((name, rng.choice(VALUES)))
    out.append(("_op", rng.choice(OPS)))
    if rng.random() < 0.3:
        out.append((f"_variant:{rng.choice(['measures', 'thresholds', 'holidays', 'x'])}", rng.choice(VALUES)))
    if rng.random() < 0.1:
        out = [(k, rng.choice(VALUES) if k == "_revision" else v) for k, v in out]
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("section", sorted(EDITORS))
def test_random_malformed_posts_never_break_an_editor(designer_app, analyst, section):
    obj, key = EDITORS[section]
    if key:
        assert new(analyst, designer_app, section, key, obj).status_code == 302
    url = f"/builder/{section}/{key}" if key else f"/builder/{section}"
    rng = random.Random(f"fuzz-{section}")
    for i in range(100):
        page = analyst.get(url)
        if page.status_code == 404:                     # the item was never there: recreate it
            assert new(analyst, designer_app, section, key, obj).status_code == 302
            page = analyst.get(url)
        assert page.status_code == 200, (i, page.get_data(as_text=True)[:2000])
        fields = form_fields(page.get_data(as_text=True))
        fields = [(k, str(draft(designer_app).revision) if k == "_revision" else v) for k, v in fields]
        posted = mutate(fields, rng)
        response = analyst.post(url, data=MultiDict(posted))
        assert response.status_code < 500, (i, posted)
    assert analyst.get(url).status_code == 200
    # and the New form, with anything as the key and the object
    for _ in range(20 if key else 0):
        data = {"csrf_token": dict(fields).get("csrf_token", ""), "_revision": rng.choice(VALUES),
                "key": rng.choice(VALUES), "object": rng.choice(VALUES)}
        assert analyst.post(f"/builder/{section}/new", data=data).status_code < 500
