"""The words of the app's own pages under ``/app/`` are exactly the object names the metadata
refuses, so no object can be shadowed by a page (its list at ``/app/<object>`` would be the page)."""
from __future__ import annotations

from schema_store.names import APP_PAGES


def test_every_app_page_word_is_refused_as_an_object_name_and_no_more(app):
    words = {r.rule.split("/")[2] for r in app.url_map.iter_rules()
             if r.rule.startswith("/app/") and not r.rule.split("/")[2].startswith("<")}
    assert words == set(APP_PAGES)
