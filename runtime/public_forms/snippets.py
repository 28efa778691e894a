"""The embed snippets of a form, in one place (the share page and the designer show the same)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape


@dataclass(frozen=True)
class Snippets:
    link: str      # the form's page
    iframe: str    # HTML: an iframe of the chrome-less page
    script: str    # HTML: the script tag that injects the iframe (passes the page's utm_* on)


def embed_snippets(form_url: str, title: str = "") -> Snippets:
    """``form_url``: the absolute URL of ``/f/<key>`` (e.g. ``url_for(..., _external=True)``)."""
    url = form_url.split("?")[0]
    return Snippets(
        link=url,
        iframe=(f'<iframe src="{escape(url)}?embed=1" title="{escape(title)}" '
                'style="width:100%;max-width:640px;height:700px;border:0"></iframe>'),
        script=f'<script src="{escape(url)}/embed.js" async></script>')
