"""The place-name resolver: free text ("Xã A, Huyện B, Tỉnh C", "TP.HCM", "Đà Lạt") → the
province and, when the text allows, the commune in force on a date.

How it works
------------
* Before folding (:mod:`orgtree.place_steps`): UTF-8 read as Windows-1252 is repaired exactly
  ("HÃ  Ná»™i"), TCVN3/VNI readings are offered, and another reading is kept only when it
  explains more of the text; labels ("Quê quán:"), notes ("(nay là …)" gives the new name,
  "(cũ)", "(mới)"), the country, a postcode or a phone number at the end, slashes and spaced
  dashes between parts, English and romanised names are repaired. ASCII typed with a Vietnamese
  input method off ("Ha2 Noi65", "Haf Nooij") is tried only when the text as given names
  nothing for sure.
* The text is cut into segments at commas (and ``;``, ``|``, new lines). Each segment is folded
  (:func:`orgtree.text.fold`: no diacritics, lower case, punctuation as spaces, so NFC/NFD,
  both tone styles, "Ð", ALL CAPS and stray punctuation all give the same key) and its level
  prefix is read: "Tỉnh", "TP", "T.", "Huyện", "H.", "Q.1", "P.7", "TX", "TT", "Xã" …
* Each units release gets an in-memory :class:`UnitIndex` (dicts keyed by folded name, by
  (district code, name), by (province code, name)); the old → new conversion table and the
  historic names become dicts as well. They are built once and cached; the cache is dropped
  when a release is loaded or deleted, and re-checked against the database every
  ``INDEX_RECHECK_SECONDS``. Resolving is then pure dict work.
* The segments are read against the set in force on ``as_of`` ("direct" reading) and against
  each older set that a conversion table links to it (then carried forward through the table).
  A reading takes a province first (from the end of the text), then a district inside it, then
  a commune inside those; segments with an explicit prefix are preferred to bare ones. The
  reading that explains more of the text wins; equal readings that disagree are handed back as
  candidates for a person.
* Parts that a dash or comma cut inside one known name are joined again ("Gia Lai - Kon Tum",
  "Văn Miếu - Quốc Tử Giám"). Former provinces (Hà Sơn Bình … 1991, Hà Tây 2008) and former
  districts (Quận 2, Quận 9 → Thành phố Thủ Đức) come from the historic names; a former
  province with several successors in the set in force goes to review with each of them.
* Communes merged or renamed 2019–2024, before the 4/1/2025 list ("Phường 10, Quận 3",
  "Xã Viên Nội, Huyện Ứng Hòa"; ``former-communes-2019-2024.csv``), are read only inside the
  district or province the text names: the commune they went to in the 4/1/2025 set, then the
  conversion table; the reason says "… đã sáp nhập vào … (2019–2024)". When a current commune
  of the same scope bears the name too, both come back for a person.
* An old commune split across several new communes never gets a single answer: its new
  communes come back as candidates with ``needs_review``.
* A 2025 province's name in an old address stands for every old province merged into it
  ("Huyện Duyên Hải, Tỉnh Vĩnh Long": Trà Vinh went into Vĩnh Long). Two-word provinces are
  also read by their initial ("T.Hóa", "Q.Ngãi"); a bare number before a district is a
  numbered ward ("14, 5, TP HCM").
* A place abroad ("Liên Xô", "Berlin, CHDC Đức", "Viêng Chăn, Lào"; :mod:`.abroad`) is no
  province: no answer, sent to a person. A hospital or health station before the place
  ("Bệnh viện Bạch Mai, Hà Nội", "Trạm y tế xã X") gives only the unit its words name after a
  level word, or the province its name ends with.
* A province name still in use that covered more in earlier years ("Hậu Giang" 1976–1991,
  "Đắk Lắk" before 2004) is widened to that extent only for a district or commune the
  province of today lacks; a district named that lies in another province sends the answer
  to review ("Huyện Mê Linh, Vĩnh Phú").
* A text that contradicts the answer goes to review: a district ("Huyện X") or a commune
  ("Xã X") it names that the reading cannot place while another part gave the commune; two
  province names at both ends with no district to tell which is the province.

Codes are the keys everywhere: 243 commune names repeat nationally.

Modules
-------
* :mod:`.parse` — segments, level prefixes, addresses without commas;
* :mod:`.abroad` — country names (a place abroad is no province);
* :mod:`.index` — :class:`~.index.UnitIndex`, :class:`~.index.ConversionIndex`, carrying an old
  commune into a newer set;
* :mod:`.catalogue` — the cached indexes and the remembered decisions (a bounded LRU per
  (text, set in force), dropped with the indexes);
* :mod:`.reading` — exact candidates by level in one release, and their outcome;
* :mod:`.resolve` — :func:`resolve_place`, :class:`PlaceResolution`, the choice between
  readings, the fuzzy corrections.
"""

from __future__ import annotations

from .catalogue import (
    DECISION_CACHE_SIZE,
    INDEX_RECHECK_SECONDS,
    Catalogue,
    get_catalogue,
    invalidate_indexes,
)
from .parse import Segment, name_key, parse_segments
from .resolve import REVIEW_THRESHOLD, PlaceResolution, resolve_place

__all__ = [
    "DECISION_CACHE_SIZE",
    "INDEX_RECHECK_SECONDS",
    "REVIEW_THRESHOLD",
    "Catalogue",
    "PlaceResolution",
    "Segment",
    "get_catalogue",
    "invalidate_indexes",
    "name_key",
    "parse_segments",
    "resolve_place",
]
