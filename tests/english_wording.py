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


#: the apps whose models are ours (app labels); the others' labels are their catalogues' business
OUR_APPS = (
    "cbccvc",
    "exports",
    "orgtree",
    "profiles",
    "syncing",
    "national",
    "conversion",
    "portal",
)


def label_problem(label: object, where: str) -> str | None:
    """What is wrong with a model's label (a field name, help text, choice or model name): not
    marked for translation, or marked but with no English (its English is the Vietnamese
    source). Labels the same in both languages ("PEM") pass once marked."""
    from django.utils import translation
    from django.utils.functional import Promise

    from tests.browser.page_text import VIETNAMESE_WORD

    if label is None or label == "":
        return None
    if not isinstance(label, Promise):
        return f"{where}: {label!r} is not marked for translation"
    with translation.override("en"):
        english = str(label)
    with translation.override("vi"):
        vietnamese = str(label)
    if english == vietnamese and VIETNAMESE_WORD.search(english):
        return f"{where}: {vietnamese!r} has no English"
    return None


def field_label_problems(field, where: str) -> list[str]:
    """The problems of one field's name, help text and choices' labels."""
    from django.conf import settings

    found = [
        label_problem(field.verbose_name, f"{where} name"),
        label_problem(field.help_text, f"{where} help text"),
    ]
    # the languages' own names ("Tiếng Việt", "English") stay as they are in every language
    if field.choices and list(field.choices) != list(settings.LANGUAGES):
        found += [
            label_problem(text, f"{where} choice {value!r}") for value, text in field.flatchoices
        ]
    return [p for p in found if p]


def _mptt_fields(model) -> set[str]:
    """The fields django-mptt adds to a tree model for its bookkeeping (never shown)."""
    meta = getattr(model, "_mptt_meta", None)
    if meta is None:
        return set()
    return {meta.left_attr, meta.right_attr, meta.tree_id_attr, meta.level_attr}


def untranslated_model_labels() -> list[str]:
    """Every label of our apps' models (field names, help texts, choices, model names) that
    an English page would show in Vietnamese, or that cannot be translated at all."""
    from django.apps import apps

    problems: list[str] = []
    for config in apps.get_app_configs():
        if config.label not in OUR_APPS:
            continue
        for model in config.get_models():
            if model.__name__.startswith("Historical"):  # django-simple-history copies ours
                continue
            name = f"{config.label}.{model.__name__}"
            for attr in ("verbose_name", "verbose_name_plural"):
                if model._meta.original_attrs.get(attr) is not None:
                    problem = label_problem(getattr(model._meta, attr), f"{name} {attr}")
                    problems += [problem] if problem else []
            for field in model._meta.get_fields():
                if not hasattr(field, "verbose_name") or (field.auto_created and field.primary_key):
                    continue
                if field.auto_created and not field.concrete:
                    continue  # the reverse side of a relation, named by its model
                if field.name in _mptt_fields(model):
                    continue
                problems += field_label_problems(field, f"{name}.{field.name}")
    return problems
