"""The place-name lookup page in English: the form, the result table and the candidates'
headings are translated; place names, the lookup's reasons and the example addresses of the
help text (Vietnamese places) are data."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tests.english_wording import english_client, untranslated

EXAMPLES = ["Xã Kỳ Lợi, Thị xã Kỳ Anh, Tỉnh Hà Tĩnh", "TP.HCM", "Đà Lạt"]


def test_the_lookup_page_reads_in_english(reference_data):
    user = get_user_model().objects.create_superuser("quan-tri", email=None, password=None)
    client = english_client(user)
    url = "/admin/orgtree/placelookup/"
    query = {"text": "xa nga thanh, huyen nga son, thanh hoa", "as_of": "2024-06-01"}
    page = client.get(url, query)
    result = page.context["result"]
    html = page.content.decode()
    names = [
        str(place.get("name", ""))
        for candidate in result.candidates
        for level in ("commune", "district", "province")
        if (place := candidate.get(level))
    ]
    assert untranslated(html, data=[*EXAMPLES, *names, str(result.release)]) == []
    assert "Needs a choice: Candidates (2)" in html and "<th>District</th>" in html
    assert 'value="Look up"' in html and "Place name or address" in html
