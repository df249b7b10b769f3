"""Values for each SCIM data type (RFC 7643 §2.3), realistic and adversarial.

Two families, mixed by :func:`scim_values`:

* **realistic** values come from faker in several locales (:data:`LOCALES`),
  so names, addresses and phone numbers look like what an IdP pushes —
  accented Latin, kana and kanji, Brazilian Portuguese. The faker is seeded
  from hypothesis draws (a locale and an integer seed), never from global
  state, so an example is reproducible from hypothesis' seed and shrinks
  towards ``en_US`` and seed 0;
* **adversarial** values probe what servers get wrong: Unicode that changes
  length under case folding (RFC 7643 §2.2 caseExact, pitfalls §4),
  combining marks, right-to-left and astral-plane text, control characters
  other than NUL, quotes and backslashes (filter escapes, RFC 7644
  §3.4.2.2), strings of a few KB, integers at the 32-bit and IEEE-754
  double boundaries, decimals with exponents, and dateTimes with offsets,
  fractions, leap days and the first and last years xsd:dateTime allows
  in our reading (RFC 7643 §2.3.5, pitfalls §5).

Every value here is valid for its type as the semantics core checks it
(:func:`harness.scim.resources.coerce_value`), so strategies built on them
produce bodies a conforming server must accept. Named constants and named
``.map`` functions keep a shrunk example readable.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from faker import Faker
from hypothesis import strategies as st

from harness.scim.schema import (
    BINARY,
    BOOLEAN,
    DATETIME,
    DECIMAL,
    INTEGER,
    REFERENCE,
    STRING,
)

__all__ = [
    "ADVERSARIAL_STRINGS",
    "EDGE_DATE_TIMES",
    "EDGE_DECIMALS",
    "EDGE_INTEGERS",
    "LOCALES",
    "adversarial_strings",
    "adversarial_values",
    "binaries",
    "date_times",
    "decimals",
    "fake",
    "fakers",
    "integers",
    "long_strings",
    "realistic_values",
    "references",
    "scim_values",
]

#: Locales the realistic values are drawn from (faker names); ``en_US`` first
#: so that shrinking ends on the plainest one.
LOCALES = ("en_US", "de_DE", "ja_JP", "fr_FR", "pt_BR")

# --------------------------------------------------------------------------
# Seeded faker
# --------------------------------------------------------------------------


@lru_cache(maxsize=len(LOCALES))
def _faker(locale: str) -> Faker:
    """One Faker per locale: building one costs tens of milliseconds."""
    return Faker(locale)


def _seeded(locale: str, seed: int) -> Faker:
    """The locale's faker, re-seeded: the next call depends only on (locale, seed)."""
    generator = _faker(locale)
    generator.seed_instance(seed)
    return generator


def fakers() -> st.SearchStrategy[Faker]:
    """A faker seeded from hypothesis draws (locale, seed): reproducible, shrinkable.

    Use the faker at once, inside the same draw: the instance for a locale
    is shared and the next draw re-seeds it.
    """
    return st.builds(
        _seeded, st.sampled_from(LOCALES), st.integers(min_value=0, max_value=2**32 - 1)
    )


def fake(method: str, *, transform: Callable[[Any], Any] = str) -> st.SearchStrategy[Any]:
    """The result of ``Faker.<method>()`` under a drawn locale and seed, through ``transform``.

    ``fake("first_name")`` is "Dennis", "Franz", "淳" or "Grégoire" depending
    on the drawn locale.
    """
    return fakers().map(lambda generator: transform(getattr(generator, method)()))


# --------------------------------------------------------------------------
# Strings
# --------------------------------------------------------------------------

#: Named adversarial strings: each one is a classic reason a server breaks.
ADVERSARIAL_STRINGS: dict[str, str] = {
    "combining-acute": "Jose\u0301 Rene\u0301e",  # NFD "José Renée" — differs from NFC
    "precomposed-acute": "José Renée",
    "sharp-s": "Straße",  # casefolds to "strasse": longer (RFC 7643 §2.2 caseExact false)
    "dotted-capital-i": "İstanbul",  # casefold adds a combining dot
    "ligature-fi": "ﬁnance",
    "titlecase-dz": "ǅemal",
    "greek-final-sigma": "ΟΔΥΣΣΕΥΣ",
    "rtl-hebrew": "שלום עולם",
    "rtl-arabic": "مرحبا بالعالم",
    "rtl-override": "abc\u202edef\u202c",
    "bidi-mixed": "Ali علي 123",
    "astral-math": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "emoji-zwj-family": "👩\u200d👩\u200d👧",
    "emoji-flag": "🇯🇵🇧🇷",
    "zero-width": "zero\u200bwidth\u200cjoin\u200d",
    "bom": "\ufeffbom",
    "cjk": "山田太郎",
    "halfwidth-kana": "ﾔﾏﾀﾞ",
    "fullwidth-latin": "Ｆｕｌｌｗｉｄｔｈ",
    "controls": "a\x01b\x1fc\x7fd",  # no NUL: see :func:`adversarial_strings`
    "tab-newline": "tab\there\nnew\r\nline",
    "double-quote": 'say "hi"',
    "backslash": "back\\slash\\",
    "quote-backslash": 'q"uo\\te\\"',
    "json-escape-lookalike": '\\u0041\\n\\"',
    "filter-injection": 'x" or userName pr or "',
    "sql-injection": "'; DROP TABLE users; --",
    "html": "<script>alert(1)</script>",
    "percent-encoded": "%22%5C%00",
    "leading-trailing-space": "  padded  ",
    "only-space": " ",
    "dollar-ref": "$ref",
    "urn-like": "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "nfkc-digits": "①②③",
}

#: Characters for free-form adversarial text: anything but NUL and lone
#: surrogates (neither survives JSON + SQL storage in many stacks, and the
#: server stores what it is given — a finding there is about the store, not SCIM).
_TEXT_CHARACTERS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


def long_strings(min_size: int = 256, max_size: int = 4096) -> st.SearchStrategy[str]:
    """A string of a few KB built from a repeated adversarial unit (cheap to draw)."""
    unit = st.sampled_from(["a", "é", "e\u0301", "山", "𝔘", '"', "\\", " ", "ß"])
    return st.builds(_repeat, unit, st.integers(min_value=min_size, max_value=max_size))


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def adversarial_strings() -> st.SearchStrategy[str]:
    """Named tricky strings, random Unicode text (no NUL), and long strings."""
    return st.one_of(
        st.sampled_from(sorted(ADVERSARIAL_STRINGS.values())),
        st.text(_TEXT_CHARACTERS, min_size=1, max_size=12),
        long_strings(),
    )


# --------------------------------------------------------------------------
# Numbers, booleans, dateTimes, binary, references
# --------------------------------------------------------------------------

#: RFC 7643 §2.3.4 sets no range; these are where implementations overflow:
#: 32-bit ints, IEEE-754 doubles' exact-integer limit (2^53), 64-bit ints.
EDGE_INTEGERS: tuple[int, ...] = (
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**53,
    2**53 + 1,
    -(2**53),
    -(2**53) - 1,
    2**63 - 1,
    -(2**63),
)

#: RFC 7643 §2.3.3: decimals, written by ``json.dumps`` with exponents when large/small.
EDGE_DECIMALS: tuple[float, ...] = (0.0, -0.0, 0.5, -2.5, 1e-7, 1.5e300, -1.5e-300, 2.0**53, 1e21)


def integers() -> st.SearchStrategy[int]:
    """RFC 7643 §2.3.4 integers: edge values and ordinary ones."""
    return st.one_of(
        st.integers(min_value=-1000, max_value=1000),
        st.sampled_from(EDGE_INTEGERS),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
    )


def decimals() -> st.SearchStrategy[float]:
    """RFC 7643 §2.3.3 decimals: finite doubles (JSON has no NaN/Infinity)."""
    return st.one_of(
        st.sampled_from(EDGE_DECIMALS),
        st.floats(allow_nan=False, allow_infinity=False),
    )


#: xsd:dateTime spellings the core reads (RFC 7643 §2.3.5): offsets up to
#: ±14:00, fractions of any length, leap days, years 0001 and 9999, no zone.
EDGE_DATE_TIMES: tuple[str, ...] = (
    "2011-05-13T04:42:34Z",
    "2011-05-13T04:42:34.000Z",
    "2011-05-13T06:42:34+02:00",
    "2011-05-13T04:42:34.123456789Z",
    "2024-02-29T23:59:59.999+14:00",
    "2000-02-29T00:00:00-12:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00-00:00",
    "2011-05-13T04:42:34",
    "2038-01-19T03:14:08Z",
)


def _date_time_text(moment: Any, zone_minutes: int, digits: int) -> str:
    """``moment`` (naive, read as local to the offset) in xsd:dateTime form."""
    text = f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S")  # %Y: no zero padding
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits].ljust(digits, "0")
    if zone_minutes == 0:
        return text + "Z"
    sign = "+" if zone_minutes > 0 else "-"
    hours, minutes = divmod(abs(zone_minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def date_times() -> st.SearchStrategy[str]:
    """RFC 7643 §2.3.5 dateTime strings: edge spellings and drawn instants."""
    drawn = st.builds(
        _date_time_text,
        st.datetimes(),
        st.sampled_from([0, 60, -300, 330, 840, -720, 345]),
        st.sampled_from([0, 3, 6]),
    )
    return st.one_of(st.sampled_from(EDGE_DATE_TIMES), drawn)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def binaries() -> st.SearchStrategy[str]:
    """RFC 7643 §2.3.6 binary: padded base64 of drawn bytes (the core checks it)."""
    return st.binary(min_size=1, max_size=64).map(_base64)


#: RFC 7643 §2.3.7 references: absolute URLs, a relative one (§8.3 uses
#: ``../Groups/…``), a URN, non-ASCII and percent-escaped paths.
EDGE_REFERENCES: tuple[str, ...] = (
    "https://example.com/photos/1.jpg",
    "../Users/2819c223-7f76-453a-919d-413861904646",
    "urn:example:photo:1",
    "https://例え.jp/写真.png",
    "https://example.com/a%20b?c=d&e=%22f%22#frag",
)


def references() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(EDGE_REFERENCES), fake("image_url"), fake("url"))


# --------------------------------------------------------------------------
# Per type
# --------------------------------------------------------------------------


def realistic_values(scim_type: str) -> st.SearchStrategy[Any]:
    """Everyday values of an RFC 7643 §2.3 type (faker words for strings)."""
    if scim_type == STRING:
        return st.one_of(fake("word"), fake("name"), fake("job"))
    return _TYPED[scim_type]()


def adversarial_values(scim_type: str) -> st.SearchStrategy[Any]:
    """Boundary values of an RFC 7643 §2.3 type."""
    if scim_type == STRING:
        return adversarial_strings()
    if scim_type == INTEGER:
        return st.sampled_from(EDGE_INTEGERS)
    if scim_type == DECIMAL:
        return st.sampled_from(EDGE_DECIMALS)
    if scim_type == DATETIME:
        return st.sampled_from(EDGE_DATE_TIMES)
    if scim_type == REFERENCE:
        return st.sampled_from(EDGE_REFERENCES)
    return _TYPED[scim_type]()


def scim_values(scim_type: str) -> st.SearchStrategy[Any]:
    """Realistic or adversarial values of ``scim_type`` (realistic first: shrinks there)."""
    return st.one_of(realistic_values(scim_type), adversarial_values(scim_type))


_TYPED: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    STRING: adversarial_strings,
    BOOLEAN: st.booleans,
    INTEGER: integers,
    DECIMAL: decimals,
    DATETIME: date_times,
    BINARY: binaries,
    REFERENCE: references,
}
