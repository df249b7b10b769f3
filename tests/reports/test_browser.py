"""A real browser shows the HTML report as intended (issue 7, "done when").

The HTML page is only as good as what a browser makes of it: a page that
parses but whose script throws shows every entry whatever the filter says,
and a page that fetches a font from a CDN is blank on an air-gapped CI
runner. So this test renders a report from a real conformance run — the
reference server with defects planted (:mod:`harness.server.faults`), so
the report has passes, failures, warnings and skips and readiness verdicts
of every colour — and opens it in headless Chromium (Debian's ``chromium``):

* ``--screenshot``: a PNG of the requested size, not blank, in which the
  readiness badges' colours (read from the page's own CSS) are painted;
* ``--dump-dom``: the DOM *after* the inline script ran, so the filter read
  from ``location.hash`` (``#area=…&status=…&q=…``) has set ``hidden`` on
  exactly the entries it excludes, and the counts and badges are the model's;
* offline: with every host name resolved to a local listener, the page
  opens no connection at all.

No browser: the test skips and says why — unless
``SCIM_HARNESS_REQUIRE_BROWSER=1`` (``.ci/run`` sets it), then it fails, so
CI never passes by skipping. With ``SCIM_HARNESS_SCREENSHOT_DIR`` set, the
PNGs and the HTML are copied there for a human to look at.

The PNG is decoded here with :mod:`zlib` (RFC 2083 filters) rather than
Pillow, to add no dependency for one test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.conformance.runner import RunOptions, run_suite
from harness.reports.build import from_run
from harness.reports.model import Comparison, Entry, Report
from harness.reports.redact import redact_report
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, combine, faulty_app

REQUIRE_BROWSER = "SCIM_HARNESS_REQUIRE_BROWSER"
SCREENSHOT_DIR = "SCIM_HARNESS_SCREENSHOT_DIR"
#: Debian calls it ``chromium``; other distributions ``chromium-browser``.
BROWSERS = ("chromium", "chromium-browser")
#: Root in a container, no network, no desktop session: nothing may phone
#: home or wait for a GPU, and the colours are painted as the CSS says them.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
)
WIDTH, HEIGHT = 1280, 1600
TIMEOUT = 60
TOKEN = "browser-test-token"
#: Under the ``rfc`` profile these defects give failures (RFC ``must``
#: rules Okta only recommends), warnings (``should`` rules) and skips, while
#: Okta's required checks all hold: the verdict shows a green "ready" next
#: to red "blocking" badges.
PLANTED = (
    "filter-co-case-sensitive",
    "filter-and-ignored",
    "patch-op-case-sensitive",
    "content-type-json",
    "remove-valuelist-removes-all",
)
PROFILE = "rfc"


# -- the browser -------------------------------------------------------------------


def find_browser() -> str:
    """The Chromium binary; skip without one, or fail when CI requires it."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    reason = f"no headless browser: none of {', '.join(BROWSERS)} is on PATH"
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_BROWSER}=1 requires one (apt-get install chromium)")
    pytest.skip(reason)


def browse(
    browser: str, url: str, *args: str, profile_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Run Chromium once on ``url``; a failure says what the browser said last."""
    command = [browser, *FLAGS, f"--user-data-dir={profile_dir}", *args, url]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        pytest.fail(f"chromium did not finish within {TIMEOUT} s: {command}\n{_tail(stderr)}")
    if done.returncode != 0:
        pytest.fail(f"chromium exited {done.returncode}: {command}\n{_tail(done.stderr)}")
    return done


def _tail(stderr: str, lines: int = 25) -> str:
    """The end of Chromium's stderr, without the D-Bus noise a container always has."""
    kept = [line for line in stderr.splitlines() if "dbus" not in line.lower()]
    return "stderr (tail):\n" + "\n".join(kept[-lines:])


@dataclass
class Browser:
    """Chromium with a fresh profile per call, and the place screenshots are kept."""

    binary: str
    workdir: Path
    keep: Path | None
    calls: int = 0

    def _profile(self) -> Path:
        self.calls += 1
        profile = self.workdir / f"profile-{self.calls}"
        profile.mkdir()
        return profile

    def screenshot(self, page: Path, fragment: str, name: str, *args: str) -> bytes:
        png = self.workdir / f"{name}.png"
        browse(
            self.binary,
            page.as_uri() + fragment,
            f"--screenshot={png}",
            f"--window-size={WIDTH},{HEIGHT}",
            *args,
            profile_dir=self._profile(),
        )
        if not png.exists():
            pytest.fail(f"chromium wrote no screenshot for {page.name}{fragment}")
        if self.keep is not None:
            shutil.copy(png, self.keep / png.name)
        return png.read_bytes()

    def dom(self, page: Path, fragment: str = "", *args: str) -> str:
        done = browse(
            self.binary, page.as_uri() + fragment, "--dump-dom", *args, profile_dir=self._profile()
        )
        if "<body" not in done.stdout:
            pytest.fail(f"--dump-dom printed no document for {fragment!r}\n{_tail(done.stderr)}")
        return done.stdout


# -- the report and its page ----------------------------------------------------------


@pytest.fixture(scope="module")
def report() -> Report:
    """A conformance run's report with every verdict a real target produces (~4 s)."""
    app = faulty_app(
        combine("browser-test", *(FAULTS_BY_NAME[name] for name in PLANTED)),
        ServerConfig(token=TOKEN),
    )
    built = redact_report(
        from_run(run_suite(RunOptions(app=app, token=TOKEN, profile=PROFILE))), [TOKEN]
    )
    counts = built.counts()
    assert counts["passed"] and counts["failed"] and counts["warning"] and counts["skipped"], counts
    statuses = {item.status for item in built.readiness}
    assert {"ready", "blocking"} <= statuses, [(r.name, r.summary) for r in built.readiness]
    ensure_a_comparison(built)
    return built


def ensure_a_comparison(report: Report) -> Entry:
    """The failure whose expected-vs-actual the page must show as a diff.

    The checks that compare structures attach a :class:`Comparison` to their
    failure (``tests/conformance/test_failure_parts.py`` proves they do);
    this test is about how a browser shows one, so if none of these planted
    defects trips such a check, the first failure gets a small one.
    """
    for entry in report.entries:
        if entry.broken and entry.failure is not None and entry.failure.comparison is not None:
            return entry
    entry = next(e for e in report.entries if e.verdict == "failed" and e.failure is not None)
    assert entry.failure is not None
    entry.failure.comparison = Comparison(
        "the User after the PATCH (meta aside)",
        {"userName": "bjensen", "name": {"familyName": "Jensen"}, "active": False},
        {"userName": "bjensen", "name": {"familyName": "jensen"}, "active": True},
    )
    return entry


@pytest.fixture(scope="module")
def keep_dir() -> Path | None:
    """Where a human finds the PNGs and the HTML (``SCIM_HARNESS_SCREENSHOT_DIR``)."""
    wanted = os.environ.get(SCREENSHOT_DIR)
    if not wanted:
        return None
    path = Path(wanted)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def page(report: Report, tmp_path_factory: pytest.TempPathFactory, keep_dir: Path | None) -> Path:
    from harness.reports.html import render_html

    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    if keep_dir is not None:
        shutil.copy(path, keep_dir / path.name)
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, keep_dir: Path | None) -> Browser:
    return Browser(find_browser(), tmp_path_factory.mktemp("chromium"), keep_dir)


# -- reading the DOM ----------------------------------------------------------------


@dataclass
class Dom:
    """What the test reads back from ``--dump-dom``: entries, counts, badges, text."""

    entries: dict[str, dict[str, str | None]] = field(default_factory=dict)
    counts: dict[str, str | None] = field(default_factory=dict)
    badges: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def visible(self) -> set[str]:
        return {key for key, attrs in self.entries.items() if "hidden" not in attrs}


class _DomReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = Dom()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if "entry" in classes and found.get("data-id"):
            self.dom.entries[str(found["data-id"])] = found
        if found.get("id") == "counts":
            self.dom.counts = found
        if "readiness" in classes:
            self.dom.badges += [c for c in classes if c.startswith("readiness-")]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.dom.styles if self._in_style else self.dom.text).append(data)


def read_dom(text: str) -> Dom:
    reader = _DomReader()
    reader.feed(text)
    reader.close()
    return reader.dom


# -- reading the PNG (RFC 2083; no Pillow) ---------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Bytes per pixel by colour type (8-bit samples): grey, RGB, grey+alpha, RGBA.
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows (RGB or RGBA bytes) of an 8-bit PNG."""
    assert data.startswith(_PNG_SIGNATURE), "not a PNG"
    pos, idat, header = len(_PNG_SIGNATURE), [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in _CHANNELS and interlace == 0, header
    bpp = _CHANNELS[colour]
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    assert len(raw) == height * (stride + 1), "truncated image data"
    rows: list[bytes] = []
    prior = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], prior, bpp)
        rows.append(row)
        prior = row
    return width, height, rows


_LOW7 = int.from_bytes(b"\x7f" * 8192, "big")
_HIGH = int.from_bytes(b"\x80" * 8192, "big")


def _add_bytes(a: bytes, b: bytes) -> bytes:
    """Bytewise ``(a + b) mod 256`` over whole rows at once (the Up filter is most rows)."""
    n = len(a)
    mask = _LOW7 >> (8 * (8192 - n))
    high = _HIGH >> (8 * (8192 - n))
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return (((x & mask) + (y & mask)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def _unfilter(kind: int, line: bytes, prior: bytes, bpp: int) -> bytes:
    """Undo one row's filter (RFC 2083 §6): None, Sub, Up, Average, Paeth."""
    if kind == 0:
        return line
    if kind == 2:
        return _add_bytes(line, prior)
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + prior[i]) >> 1)) & 0xFF
        elif kind == 4:
            up, corner = prior[i], prior[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            out[i] = (out[i] + best) & 0xFF
        else:
            raise AssertionError(f"unknown PNG filter type {kind}")
    return bytes(out)


def colours(rows: list[bytes], bpp: int) -> set[bytes]:
    """Every distinct pixel colour (RGB; alpha dropped)."""
    seen: set[bytes] = set()
    for row in rows:
        seen.update(row[i : i + 3] for i in range(0, len(row), bpp))
    return seen


def _encode_png(width: int, rows: list[bytes], filters: list[int]) -> bytes:
    """An RGB PNG whose rows use the given filters (the decoder's own test)."""
    raw, prior = b"", bytes(width * 3)
    for row, kind in zip(rows, filters, strict=True):
        line = bytearray(row)
        for i in range(len(row)):
            left = row[i - 3] if i >= 3 else 0
            corner = prior[i - 3] if i >= 3 else 0
            p = left + prior[i] - corner
            pa, pb, pc = abs(p - left), abs(p - prior[i]), abs(p - corner)
            paeth = left if pa <= pb and pa <= pc else prior[i] if pb <= pc else corner
            predictor = (0, left, prior[i], (left + prior[i]) >> 1, paeth)[kind]
            line[i] = (row[i] - predictor) & 0xFF
        raw += bytes([kind]) + bytes(line)
        prior = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# -- reading the page's CSS ---------------------------------------------------------

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_DECLARATION = re.compile(r"([-\w]+)\s*:\s*([^;]+)")
_VAR = re.compile(r"var\(\s*(--[-\w]+)\s*(?:,\s*([^)]+))?\)")
_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_RGB = re.compile(r"rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)")


def declared_colours(css: str, selector: str) -> set[bytes]:
    """The colours the rules for ``selector`` paint with, custom properties resolved."""
    rules = [(sel.strip(), body) for sel, body in _RULE.findall(css)]
    variables: dict[str, str] = {}
    for sel, body in rules:
        if ":root" in sel:
            for name, value in _DECLARATION.findall(body):
                variables.setdefault(name, value.strip())
    found: set[bytes] = set()
    for sel, body in rules:
        if not re.search(re.escape(selector) + r"(?![-\w])", sel):
            continue
        for name, value in _DECLARATION.findall(body):
            if not name.startswith("--"):
                found |= _parse_colours(_resolve(value, variables))
    return found


def _resolve(value: str, variables: dict[str, str], depth: int = 0) -> str:
    if depth > 8:
        return value
    resolved = _VAR.sub(lambda m: variables.get(m.group(1), m.group(2) or ""), value)
    return resolved if resolved == value else _resolve(resolved, variables, depth + 1)


def _parse_colours(value: str) -> set[bytes]:
    found = set()
    for digits in _HEX.findall(value):
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        found.add(bytes.fromhex(digits))
    for r, g, b in _RGB.findall(value):
        found.add(bytes([int(r), int(g), int(b)]))
    return found


# -- no network ---------------------------------------------------------------------


#: Chromium's own services, which it calls whatever the page (the network
#: clock, the component updater, sign-in) even with background networking
#: disabled. Exact names: a page fetching fonts.googleapis.com still counts.
BROWSER_HOSTS = frozenset(
    {
        "accounts.google.com",
        "clients2.google.com",
        "clientservices.googleapis.com",
        "optimizationguide-pa.googleapis.com",
        "safebrowsingohttpgateway.googleapis.com",
        "update.googleapis.com",
        # Debian's Chromium 150 connects to it although the page names no URL
        # (the FETCHES scan above finds none); that scan still catches a page
        # that would fetch from it.
        "www.google.com",
    }
)
_HTTP_HOST = re.compile(rb"^Host:\s*([^\s:]+)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Listener:
    """A local TCP port that records the host each connection made to it asked for.

    The host is read from the first bytes: the ``Host`` header of plain HTTP,
    the server name (SNI) of a TLS ClientHello.
    """

    sock: socket.socket
    hosts: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def page_hosts(self) -> list[str]:
        """The hosts asked for that are not the browser's own services."""
        return [host for host in self.hosts if host not in BROWSER_HOSTS]

    def record(self, first: bytes) -> None:
        if not first:
            # Opened and closed without a byte: Chromium's speculative preconnect
            # (seen with Debian's Chromium 150). A fetch always sends its request;
            # this fetched nothing.
            return
        try:
            host = server_name(first)
        except IndexError:  # a truncated ClientHello
            host = None
        if host is None:
            found = _HTTP_HOST.search(first)
            host = found.group(1).decode("ascii", "replace") if found else repr(first[:40])
        self.hosts.append(host.lower())


def server_name(hello: bytes) -> str | None:
    """The SNI of a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3), if that is what it is."""
    if len(hello) < 9 or hello[0] != 0x16 or hello[5] != 0x01:
        return None
    pos = 9 + 2 + 32  # record and handshake headers, client version, random
    pos += 1 + hello[pos]  # session id
    pos += 2 + int.from_bytes(hello[pos : pos + 2], "big")  # cipher suites
    pos += 1 + hello[pos]  # compression methods
    end = pos + 2 + int.from_bytes(hello[pos : pos + 2], "big")
    pos += 2
    while pos + 4 <= min(end, len(hello)):
        kind, size = (
            int.from_bytes(hello[pos : pos + 2], "big"),
            int.from_bytes(hello[pos + 2 : pos + 4], "big"),
        )
        if kind == 0:  # server_name: list length, name type, name length, name
            length = int.from_bytes(hello[pos + 7 : pos + 9], "big")
            return hello[pos + 9 : pos + 9 + length].decode("ascii", "replace")
        pos += 4 + size
    return None


def _first_bytes(conn: socket.socket) -> bytes:
    """What the client sent first: a whole TLS record, or an HTTP request head."""
    data = b""
    while True:
        try:
            chunk = conn.recv(4096)
        except OSError:
            return data
        data += chunk
        if not chunk or b"\r\n\r\n" in data:
            return data
        if data[:1] == b"\x16" and 5 <= len(data) >= 5 + int.from_bytes(data[3:5], "big"):
            return data


@pytest.fixture
def listener() -> Iterator[Listener]:
    """Where every host name leads during the offline run; stopped after the test."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    recorded = Listener(sock)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                recorded.record(_first_bytes(conn))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield recorded
    finally:
        stop.set()
        thread.join(5)
        sock.close()


#: What makes a browser fetch: an embedded resource, a stylesheet import, a
#: CSS url(). ``<a href>`` is a link the reader follows, never a fetch.
FETCHES = re.compile(
    r"""<(?:script|img|iframe|audio|video|source|embed|input)\b[^>]*\ssrc\s*=|"""
    r"""<link\b[^>]*\shref\s*=|<object\b[^>]*\sdata\s*=|@import\b|url\(""",
    re.IGNORECASE,
)


# -- the tests ---------------------------------------------------------------------


def test_the_png_decoder_reads_every_filter() -> None:
    """The screenshot checks are only as good as the decoder (RFC 2083 §6)."""
    rows = [
        bytes((x * 37 + y * 91 + c * 13) % 256 for x in range(5) for c in range(3))
        for y in range(5)
    ]
    width, height, decoded = decode_png(_encode_png(5, rows, [0, 1, 2, 3, 4]))
    assert (width, height) == (5, 5)
    assert decoded == rows
    assert colours(decoded, 3) == {row[i : i + 3] for row in rows for i in range(0, 15, 3)}


def test_declared_colours_resolve_custom_properties() -> None:
    css = ":root{--ok:#1a7f37;--bad: rgb(207, 34, 46)}.readiness-ready{background:var(--ok)}"
    css += ".readiness-blocking{border-left:4px solid var(--bad);color:#fff}"
    assert declared_colours(css, ".readiness-ready") == {bytes.fromhex("1a7f37")}
    assert declared_colours(css, ".readiness-blocking") == {bytes([207, 34, 46]), b"\xff\xff\xff"}
    assert declared_colours(css, ".readiness") == set()


def test_a_missing_browser_skips_or_fails_as_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv(REQUIRE_BROWSER, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no headless browser"):
        find_browser()
    monkeypatch.setenv(REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_BROWSER):
        find_browser()


def test_the_screenshot_shows_the_report_and_its_verdict(
    browser: Browser, page: Path, report: Report
) -> None:
    png = browser.screenshot(page, "", "report")
    width, height, rows = decode_png(png)
    assert (width, height) == (WIDTH, HEIGHT)
    painted = colours(rows, len(rows[0]) // width)
    # Text, badges, a table: a page that rendered has hundreds of colours
    # (anti-aliased glyphs); a blank or error page has a handful.
    assert len(painted) > 64, f"the screenshot looks blank: {len(painted)} colours"
    css = "\n".join(read_dom(page.read_text(encoding="utf-8")).styles)
    for status in sorted({item.status for item in report.readiness}):
        declared = declared_colours(css, f".readiness-{status}")
        assert declared, f"the page's CSS gives .readiness-{status} no colour (hex or rgb())"
        assert declared & painted, (
            f"none of the colours of .readiness-{status} ({sorted(c.hex() for c in declared)}) "
            "is painted in the screenshot"
        )


def test_the_failures_view_is_painted(browser: Browser, page: Path) -> None:
    """``#status=failed``: what a reader opening the link to the failures sees."""
    png = browser.screenshot(page, "#status=failed", "failures")
    width, height, rows = decode_png(png)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(colours(rows, len(rows[0]) // width)) > 64


def test_an_expanded_failure_shows_its_diff(
    browser: Browser, page: Path, report: Report, tmp_path: Path
) -> None:
    """The failure with a comparison, opened: its structural diff is on the page."""
    entry = ensure_a_comparison(report)
    opened = tmp_path / "failure-open.html"
    opened.write_text(
        re.sub(r"<details\b", "<details open", page.read_text(encoding="utf-8")), encoding="utf-8"
    )
    fragment = f"#q={entry.id}"
    dom = read_dom(browser.dom(opened, fragment))
    assert entry.id in dom.visible()
    text = " ".join(" ".join(dom.text).split())
    assert entry.failure is not None and entry.failure.got.split()[0] in text
    from harness.reports.diff import structural_diff

    comparison = entry.failure.comparison
    assert comparison is not None
    operations = structural_diff(comparison.expected, comparison.actual)
    assert operations, "the comparison of this test has no difference"
    for operation in operations:
        assert f"{operation['op']}" in text and operation["path"] in text, operation
    browser.screenshot(opened, fragment, "failure-open")


def _expected_visible(report: Report, area: str | None, statuses: set[str], q: str) -> set[str]:
    return {
        e.id
        for e in report.entries
        if (area is None or e.area == area)
        and (not statuses or e.verdict in statuses)
        and (not q or q.lower() in e.id.lower() or q.lower() in e.title.lower())
    }


@pytest.mark.parametrize(
    ("fragment", "area", "statuses", "q"),
    [
        ("", None, set(), ""),
        ("#status=failed", None, {"failed"}, ""),
        ("#area=filter", "filter", set(), ""),
        ("#status=failed,warning", None, {"failed", "warning"}, ""),
        ("#area=filter&status=failed", "filter", {"failed"}, ""),
        ("#q=patch.op-case", None, set(), "patch.op-case"),
    ],
)
def test_the_filter_in_the_hash_is_applied_at_load(
    browser: Browser,
    page: Path,
    report: Report,
    fragment: str,
    area: str | None,
    statuses: set[str],
    q: str,
) -> None:
    dom = read_dom(browser.dom(page, fragment))
    assert set(dom.entries) == {e.id for e in report.entries}, "entries missing from the DOM"
    expected = _expected_visible(report, area, statuses, q)
    assert expected, f"the filter {fragment!r} selects nothing in this report"
    if fragment:
        assert expected != set(dom.entries), f"the filter {fragment!r} hides nothing"
    visible = dom.visible()
    assert visible == expected, (
        f"{fragment!r}: shown but excluded {sorted(visible - expected)[:5]}, "
        f"hidden but selected {sorted(expected - visible)[:5]}"
    )
    for key in visible:
        verdict = str(dom.entries[key].get("data-verdict"))
        assert not statuses or verdict in statuses, (key, verdict)
        assert f"verdict-{verdict}" in str(dom.entries[key].get("class")).split(), key


def test_counts_and_badges_are_the_models(browser: Browser, page: Path, report: Report) -> None:
    dom = read_dom(browser.dom(page))
    assert {key: dom.counts.get(f"data-{key}") for key in report.counts()} == {
        key: str(value) for key, value in report.counts().items()
    }
    assert dom.badges == [f"readiness-{item.status}" for item in report.readiness]
    for entry in report.entries:
        attrs = dom.entries[entry.id]
        assert attrs.get("id") == f"entry-{entry.id}"
        assert (attrs.get("data-area"), attrs.get("data-verdict")) == (entry.area, entry.verdict)


def test_the_page_fetches_nothing(
    browser: Browser, page: Path, report: Report, listener: Listener
) -> None:
    """Self-contained: it works offline (issue 7), so nothing in it is fetched."""
    html = page.read_text(encoding="utf-8")
    fetches = [m.group(0) for m in FETCHES.finditer(html)]
    assert not fetches, f"the page fetches resources: {fetches[:5]}"
    # Every host name leads to the listener: a fetch the scan missed shows
    # up there as a connection, and the page must still render in full.
    rules = f"--host-resolver-rules=MAP * 127.0.0.1:{listener.port}"
    dom = read_dom(browser.dom(page, "#status=failed", rules))
    assert len(dom.entries) == len(report.entries)
    assert dom.visible() == _expected_visible(report, None, {"failed"}, "")
    assert listener.page_hosts == [], f"the page connected out: {listener.page_hosts[:5]}"


def test_the_offline_check_sees_a_fetch(
    browser: Browser, page: Path, listener: Listener, tmp_path: Path
) -> None:
    """The listener does catch a fetch (else the test above could never fail).

    The page's own Content-Security-Policy (if it has one) would block the
    planted image before it reached the network — a second line of defence,
    taken out here so that the first one is what is tested.
    """
    text = re.sub(r"<meta[^>]+Content-Security-Policy[^>]*>", "", page.read_text(encoding="utf-8"))
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        text.replace("</body>", '<img src="http://cdn.example.test/pixel.png"></body>'),
        encoding="utf-8",
    )
    assert FETCHES.search(leaky.read_text(encoding="utf-8"))
    browser.dom(leaky, "", f"--host-resolver-rules=MAP * 127.0.0.1:{listener.port}")
    assert "cdn.example.test" in listener.page_hosts, listener.hosts
