"""Values for each SCIM data type (RFC 7643 §2.3), realistic and adversarial.

Two families, mixed by :func:`scim_values`:

* **realistic** values come from faker in several locales (:data:`LOCALES`),
  so names, addresses and phone numbers look like what an IdP pushes —
  accented Latin, kana and kanji, Brazilian Portuguese. Each (locale,
  method) has a *pool* of :data:`POOL_SIZE` values, made on first use by a
  faker seeded from the pair's name (never from global state), and a value
  is one draw over the pools of all locales, en_US first: an example is
  reproducible from hypothesis' seed and shrinks towards the first en_US
  value. (Re-seeding faker per value, as :func:`fakers` does, costs two
  hypothesis choices and a faker call each: most of a body's price.);
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
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache, partial
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
    "POOL_SIZE",
    "Faked",
    "Pick",
    "adversarial_string_sources",
    "adversarial_strings",
    "adversarial_values",
    "binaries",
    "date_times",
    "decimals",
    "fake",
    "fakers",
    "integers",
    "leaf_pick",
    "long_strings",
    "pool",
    "pooled",
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
    is shared and the next draw re-seeds it. For single values prefer
    :func:`fake` (pooled, one choice and no faker call per value).
    """
    return st.builds(
        _seeded, st.sampled_from(LOCALES), st.integers(min_value=0, max_value=2**32 - 1)
    )


#: Values per (locale, method) pool: enough variety for a body's dozen
#: realistic values, small enough to make all pools in well under a second.
POOL_SIZE = 64


@cache
def _locale_pool(locale: str, method: str) -> tuple[Any, ...]:
    """:data:`POOL_SIZE` results of ``Faker.<method>()`` in ``locale``.

    The seed is a hash of the pair's name, so the pool is the same in every
    process and does not depend on which pools were made before it.
    """
    generator = _faker(locale)
    generator.seed_instance(zlib.crc32(f"{locale}/{method}".encode()))
    make = getattr(generator, method)
    return tuple(make() for _ in range(POOL_SIZE))


@cache
def pool(method: str) -> tuple[Any, ...]:
    """The pools of ``method`` for all :data:`LOCALES`, in that order (en_US first)."""
    return tuple(value for locale in LOCALES for value in _locale_pool(locale, method))


@cache
def pooled(method: str) -> st.SearchStrategy[str]:
    """One ``sampled_from`` over :func:`pool` (as text); makes the pools now.

    :data:`POOL_SIZE` × 5 locales stays below the ~500 elements past which
    hypothesis' index draws favour the front of a list.
    """
    return st.sampled_from(tuple(str(value) for value in pool(method)))


def fake(method: str, *, transform: Callable[[Any], Any] = str) -> st.SearchStrategy[Any]:
    """A pooled result of ``Faker.<method>()`` in one of :data:`LOCALES`, through ``transform``.

    ``fake("first_name")`` is "Dennis", "Franz", "淳" or "Grégoire" depending
    on the drawn pool index. One hypothesis choice per value; the pools are
    made on first use (deferred), not when a strategy module is imported.
    """
    if transform is str:
        return st.deferred(lambda: pooled(method))
    return st.deferred(lambda: st.sampled_from(pool(method)).map(transform))


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


#: Units of :func:`long_strings`: one and two code points, BMP and astral,
#: JSON escapes, a space, and ß (longer when case-folded).
LONG_UNITS = ("a", "é", "e\u0301", "山", "𝔘", '"', "\\", " ", "ß")


def long_strings(min_size: int = 256, max_size: int = 4096) -> st.SearchStrategy[str]:
    """A string of a few KB built from a repeated adversarial unit (cheap to draw)."""
    unit = st.sampled_from(LONG_UNITS)
    return st.builds(_repeat, unit, st.integers(min_value=min_size, max_value=max_size))


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


_ADVERSARIAL_TEXT = st.text(_TEXT_CHARACTERS, min_size=1, max_size=12)
_LONG_STRINGS = long_strings()
#: :func:`long_strings` as one strategy per unit, for a :class:`Pick` (the unit
#: is then part of the pick's one choice; the size is still hypothesis' to draw).
_LONG_STRINGS_BY_UNIT = tuple(
    st.integers(min_value=256, max_value=4096).map(partial(_repeat, unit)) for unit in LONG_UNITS
)


def adversarial_strings() -> st.SearchStrategy[str]:
    """Named tricky strings, random Unicode text (no NUL), and long strings."""
    return st.one_of(
        st.sampled_from(sorted(ADVERSARIAL_STRINGS.values())),
        _ADVERSARIAL_TEXT,
        _LONG_STRINGS,
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


# --------------------------------------------------------------------------
# Picks: a leaf's values in one draw
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Faked:
    """A realistic source: the pooled results of ``Faker.<method>()`` (:func:`pooled`)."""

    method: str


#: Where a branch of a :class:`Pick` comes from: faker, literal values, or a strategy.
Source = Faked | tuple[Any, ...] | st.SearchStrategy[Any]


def _entries(source: Source) -> tuple[Any, ...]:
    if isinstance(source, Faked):
        return tuple(str(value) for value in pool(source.method))
    if isinstance(source, st.SearchStrategy):
        return (source,)
    return source


def _weighted(branches: tuple[Source, ...]) -> tuple[Any, ...]:
    """The branches' entries, each branch repeated to about the same weight, first first."""
    parts = [_entries(branch) for branch in branches]
    width = max(len(part) for part in parts)
    return tuple(entry for part in parts for entry in part * max(1, width // len(part)))


#: A pick's index as two uniform bytes: one choice, even over a thousand
#: entries (``sampled_from`` favours the front of lists past ~500), and it
#: shrinks towards entry 0.
_INDEX_BYTES = st.binary(min_size=2, max_size=2)


class Pick:
    """A leaf's values in one draw: equally weighted branches flattened into one list.

    ``one_of(realistic, adversarial)`` costs a choice for the branch, one for
    a pooled faker value or named string, two or three for a drawn string;
    each choice costs the engine a span, a data-tree node and a mutation
    candidate. A pick inlines literal values — faker pools, named
    adversarial strings, edge numbers, canonical values — as entries of one
    list and keeps the other branches as strategy entries: one choice for a
    literal (none when the index comes with an object's shape), one more
    for the strategy. The list is made on first draw, so pools stay lazy;
    its first entry is the first branch's, so shrinking ends on a realistic
    (en_US) value.
    """

    def __init__(self, *branches: Source) -> None:
        self._branches = branches

    @cached_property
    def entries(self) -> tuple[Any, ...]:
        return _weighted(self._branches)

    def draw(self, draw: st.DrawFn, index: bytes | None = None) -> Any:
        """Inside a composite: the value, in one choice (two for a strategy entry).

        ``index``: two bytes the caller drew already, as part of a larger
        choice (an object's shape): then a literal costs no choice at all.
        """
        entries = self.entries
        raw = draw(_INDEX_BYTES) if index is None else index
        entry = entries[int.from_bytes(raw, "big") * len(entries) >> 16]
        return draw(entry) if isinstance(entry, st.SearchStrategy) else entry

    @cached_property
    def strategy(self) -> st.SearchStrategy[Any]:
        """The pick as a strategy of its own, for callers outside a composite."""
        return _picked(self)

    def __repr__(self) -> str:
        names = ", ".join(_branch_name(branch) for branch in self._branches)
        return f"Pick({names})"


def _branch_name(source: Source) -> str:
    if isinstance(source, tuple) and len(source) > 3:
        return f"({source[0]!r}, … {len(source)} values)"
    return repr(source)


@st.composite
def _picked(draw: st.DrawFn, pick: Pick) -> Any:
    return pick.draw(draw)


#: Adversarial branches per type, as literal tuples where they are constants.
_ADVERSARIAL_SOURCES: dict[str, tuple[Source, ...]] = {
    INTEGER: (EDGE_INTEGERS,),
    DECIMAL: (EDGE_DECIMALS,),
    DATETIME: (EDGE_DATE_TIMES,),
    REFERENCE: (EDGE_REFERENCES,),
}


def adversarial_string_sources() -> tuple[Source, ...]:
    """:func:`adversarial_strings` as :class:`Pick` branches: named, random text, long."""
    return (tuple(sorted(ADVERSARIAL_STRINGS.values())), _ADVERSARIAL_TEXT, _LONG_STRINGS_BY_UNIT)


def leaf_pick(scim_type: str, realistic: Source | None = None) -> Pick:
    """Realistic (first: shrinks there) or adversarial values of an RFC 7643 §2.3 type.

    The same mixture as ``one_of(realistic, adversarial_values(type))``:
    strings are realistic (``realistic``, else faker words, names and jobs),
    named tricky strings, random text or long strings, in equal parts.
    """
    if scim_type == STRING:
        mine: tuple[Source, ...] = (
            (realistic,) if realistic is not None else (Faked("word"), Faked("name"), Faked("job"))
        )
        return Pick(*mine, *adversarial_string_sources())
    if scim_type == BOOLEAN and realistic is None:
        return Pick((False, True))
    own = realistic if realistic is not None else _TYPED[scim_type]()
    return Pick(own, *_ADVERSARIAL_SOURCES.get(scim_type, ()))
