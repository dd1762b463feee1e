"""The page's own wording of an admin page rendered by the test client, for the checks that an
English page has no Vietnamese left: the scanner of the browser journeys
(tests/browser/page_text.py) on HTML parsed with lxml instead of a browser.

The wording is the text of the elements the browser scanner reads (headings, table headers,
labels, buttons, breadcrumbs, messages, help texts, …) plus the content's paragraphs and list
items, which these pages use for their explanations. Data cells (``td``), form values and
select options are left out, as in the browser; names that appear inside the wording (a
profile's name in a sentence) are passed as ``data``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.test import Client
from lxml import html as lxml_html

from tests.browser.page_text import text_problems


def _having_class(name: str) -> str:
    return f"*[contains(concat(' ', @class, ' '), ' {name} ')]"


WORDING = "|".join(
    ".//" + step
    for step in [
        *"h1 h2 h3 h4 caption th label legend summary button p li".split(),
        *(_having_class(name) for name in ("help", "helptext", "errornote")),
        "*[@data-wording]",
    ]
)
LEFT_OUT = {"td", "select", "option", "textarea", "script", "style", "template"}


def _own_text(element, language: str) -> str:
    """The text of ``element`` without its data cells, form values and other-language parts."""
    parts = []
    for text in element.xpath(".//text()"):
        holder = text.getparent()
        if text.is_tail:
            holder = holder.getparent()
        chain = [holder, *holder.iterancestors()]
        chain = chain[: chain.index(element) + 1] if element in chain else chain
        if not any(
            e.tag in LEFT_OUT or (e.get("lang") and e.get("lang") != language) for e in chain
        ):
            parts.append(str(text))
    return " ".join(" ".join(parts).split())


def wording(page_html: str, language: str) -> tuple[str, list[str]]:
    """(the visible text, the wording texts) of a rendered page: of its content and
    breadcrumbs on an admin page (the navigation's model names are other pages' business),
    of its body otherwise."""
    tree = lxml_html.fromstring(page_html)
    roots = tree.xpath("//*[@id='content'] | //*[@class='breadcrumbs']") or tree.xpath("//body")
    texts, full = [], []
    for root in roots:
        full.append(root.text_content())
        if root.get("class") == "breadcrumbs":
            texts.append(_own_text(root, language))
        texts += [_own_text(e, language) for e in root.xpath(WORDING)]
        texts += [
            e.get("value", "")
            for e in root.xpath(".//input[@type='submit' or @type='button']")
            if e.get("name") != "language"
        ]
        texts += [e.get("placeholder", "") for e in root.xpath(".//input[@placeholder]")]
    return "\n".join(full), [t for t in texts if t and t.strip()]


def untranslated(response_html: str, *, data: Iterable[str] = ()) -> list[str]:
    """The Vietnamese words left in the wording of an English page."""
    full, texts = wording(response_html, "en")
    return [p for p in text_problems(full, texts, language="en", data=data) if "untranslated" in p]


def english_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client
