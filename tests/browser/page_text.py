"""Scans a rendered page for text a person should never see: "None" for an empty value, a raw
field key (``last_verified_at``), and, on an English page, Vietnamese left untranslated.

The whole visible text is checked for "None" and raw keys. Untranslated Vietnamese is looked
for only in the page's own wording — headings, labels, table headers, buttons, links of the
navigation, breadcrumbs, messages, help texts — not in data cells, inputs or select options,
since people's and units' names are Vietnamese in every language. Names that do appear in the
wording (a profile's name as a page title, a unit in the breadcrumbs) are passed as ``data``
and taken out before the check. Elements marked with another ``lang`` (the "Tiếng Việt"
button of the language switch) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# a letter only Vietnamese uses among the two languages: đ, ă, â, ê, ô, ơ, ư and any letter
# with a tone mark
VIETNAMESE_LETTER = re.compile(
    "[đĐăĂâÂêÊôÔơƠưƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ]"
)
VIETNAMESE_WORD = re.compile(rf"\w*{VIETNAMESE_LETTER.pattern}\w*")
# "None" as a word (not "Nonetheless"); a snake_case key of two or more lowercase parts
NONE_WORD = re.compile(r"\bNone\b(?! available)")  # Django's own "None available" is English
RAW_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

# the page's own wording: what the application says, not the data it shows (the filters'
# choices are code-list items and units: data; their headings are wording)
WORDING = ", ".join(
    [
        "h1",
        "h2",
        "h3",
        "h4",
        "caption",
        "th",
        "thead",
        "label",
        "legend",
        "summary",
        "button",
        "input[type=submit]",
        "input[type=button]",
        ".breadcrumbs",
        "#user-tools",
        "#site-name",
        ".object-tools",
        ".submit-row",
        ".help",
        ".helptext",
        ".messagelist",
        ".errornote",
        ".errorlist",
        ".paginator",
        ".actions",
        ".card-description",
        "[data-wording]",
    ]
)

# Runs in the page: the text nodes of each wording element, leaving out those in another
# language and the data inside it (data cells, form values); a submit <input> gives its value.
_COLLECT = """
([selector, language]) => {
  const otherLanguage = "[lang]:not([lang='" + language + "'])";
  const data = otherLanguage + ", select, option, textarea, script, style, template";
  const texts = [];
  for (const element of document.querySelectorAll(selector)) {
    if (element.closest(otherLanguage + ", script, style, template")) continue;
    if (element.matches("input")) { texts.push(element.value); continue; }
    const parts = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const parent = walker.currentNode.parentElement;
      const cell = parent.closest("td");
      if (parent.closest(data) || (cell && element.contains(cell))) continue;
      parts.push(walker.currentNode.textContent);
    }
    texts.push(parts.join(" "));
  }
  return texts;
}
"""


def visible_text(page) -> str:
    """Everything the page shows (``innerText`` of the body)."""
    return page.inner_text("body")


def wording(page, language: str) -> list[str]:
    """The texts of the page's own wording (see the module docstring)."""
    return [t for t in page.evaluate(_COLLECT, [WORDING, language]) if t and t.strip()]


def _without(text: str, data: Iterable[str]) -> str:
    for value in sorted(data, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return text


def text_problems(
    full_text: str, wording_texts: Iterable[str], *, language: str, data: Iterable[str] = ()
) -> list[str]:
    """What is wrong with a page given its visible text and its wording texts."""
    data = list(data)
    problems = [f"“None” shown: …{_around(full_text, m)}…" for m in NONE_WORD.finditer(full_text)]
    for match in RAW_KEY.finditer(_without(full_text, data)):
        problems.append(f"raw field key “{match.group(0)}”: …{_around(full_text, match)}…")
    if language == "en":
        for text in wording_texts:
            clean = _without(text, data)
            words = list(dict.fromkeys(VIETNAMESE_WORD.findall(clean)))
            if words:
                problems.append(f"untranslated {words} in “{' '.join(text.split())[:160]}”")
    return sorted(set(problems))


def _around(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())


def page_problems(page, *, language: str, data: Iterable[str] = ()) -> list[str]:
    """``text_problems`` of the page open in the browser."""
    return text_problems(visible_text(page), wording(page, language), language=language, data=data)


def assert_clean(page, *, language: str, data: Iterable[str] = ()) -> None:
    """Fails naming the page and every problem found on it."""
    problems = page_problems(page, language=language, data=data)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
