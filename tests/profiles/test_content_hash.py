"""hashes_to: the snapshot check before signing and verifying, fast and never more lenient
than comparing content_hash."""

import enum
import json
import math
import uuid

import orjson
import pytest

from profiles.models import Profile
from profiles.services import _plain_and_finite, content_hash, hashes_to, snapshot
from profiles.synthetic import generate_people


@pytest.mark.django_db
def test_generated_snapshots_take_the_fast_path_and_every_change_is_seen(tree):
    generate_people(tree["H40.10"], 12, seed=2027)
    people = list(Profile.objects.all())
    assert len(people) == 12
    for person in people:
        data = snapshot(person)
        # ordinary snapshots: orjson writes json.dumps' canonical bytes (else no speed-up)
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert orjson.dumps(data, option=orjson.OPT_SORT_KEYS) == canonical.encode()
        assert _plain_and_finite(data)  # nothing to read back
        digest = content_hash(data)
        assert hashes_to(data, digest)
        changed = {**data, "profile": {**data["profile"], "full_name": "Sửa ngoài luồng"}}
        assert not hashes_to(changed, digest)
        fewer = {**data, "family": data.get("family", [])[1:]}
        assert hashes_to(fewer, digest) == (fewer == data)


@pytest.mark.parametrize(
    ("stored", "now"),
    [
        ({"a": 1e16}, {"a": 1e16}),  # json "1e+16", orjson "1e16"
        ({"a": 2**70}, {"a": 2**70}),  # beyond orjson's integers
        ({"1": "x"}, {1: "x"}),  # json turns the key into a string, orjson refuses it
        ({"a": float("nan")}, {"a": float("nan")}),
        ({"a": [1, 2]}, {"a": (1, 2)}),
        ({"a": "\x1f\u2028\ud7ff"}, {"a": "\x1f\u2028\ud7ff"}),
    ],
)
def test_where_orjson_writes_other_bytes_the_answer_is_content_hash(stored, now):
    assert hashes_to(now, content_hash(stored)) == (content_hash(now) == content_hash(stored))
    assert not hashes_to({"a": None}, content_hash(stored))


def test_a_value_orjson_writes_as_null_is_not_taken_for_null():
    # NaN and the infinities are written "null" by orjson: their bytes hash to the hash of
    # a snapshot holding None there, but the data is not that snapshot
    for value in (float("nan"), math.inf, -math.inf):
        assert orjson.dumps({"a": value}) == b'{"a":null}'
        assert not hashes_to({"a": value}, content_hash({"a": None}))
    assert hashes_to({"a": None}, content_hash({"a": None}))


class _Colour(enum.Enum):
    RED = "red"


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        -float("nan"),
        math.inf,
        -math.inf,
        _Colour.RED,  # orjson writes its value
        uuid.UUID(int=7),  # orjson writes its text
        _Text("x"),
    ],
    ids=repr,
)
def test_what_orjson_may_write_like_another_value_is_never_plain_and_finite(value):
    for data in ({"a": value}, {"a": [1, {"b": [value, value]}]}, {"a": 1.5, "b": value}):
        assert not _plain_and_finite(data)


def test_plain_finite_values_and_strings_that_look_like_floats():
    assert _plain_and_finite({"a": [1.5, 1e308, -1e308, 5e-324, -0.0, 2**70, True, None, "x"]})
    # bytes of a NaN inside a string: at worst the answer is read back, never wrong
    text = "g\x00\x00\x00\x00\x00\x00\xf8\x7f"
    assert hashes_to({"a": text}, content_hash({"a": text}))
    assert not hashes_to({"a": text}, content_hash({"a": None}))
