"""The shared report options: which files get written, from one redacted report.

:func:`harness.reports.output.write_reports` is what ``run``, ``okta run``
and ``fuzz`` call; these tests drive it directly (fast, no target) and then
once through each command, to see the options are wired.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import cast

import pytest

from harness.cli import main
from harness.client import Exchange
from harness.reports import output
from harness.reports.formats import FORMATS, format_for_path, render
from harness.reports.model import Comparison, Entry, Failure, Readiness, Report, Verdict
from harness.reports.output import (
    add_report_options,
    basic_secrets,
    redacts_terminal,
    requested,
    secret_values,
    write_reports,
)

SECRET = "sample-extra-secret-Q4z"
TOKEN = "sample-token-Hh61"


#: One entry per verdict (id, verdict, level, message); area = the id's first part.
ENTRIES: list[dict[str, str]] = [
    {"id": "users.post.201", "verdict": "passed"},
    {"id": "users.put.replace", "verdict": "failed"},
    {"id": "sort.asc", "verdict": "skipped", "level": "skip", "message": "no sort claimed"},
    {"id": "etag.weak", "verdict": "warning", "level": "should", "message": "expected: W/"},
    {"id": "disc.spc", "verdict": "error", "message": "crashed"},
]


def entry(id: str, verdict: str, level: str = "must", message: str = "") -> Entry:
    area = id.split(".")[0]
    chosen = cast(Verdict, verdict)
    return Entry(id, "check", f"title of {id}", "RFC 7644", area, chosen, level, message=message)


def sample_report(secret: str = SECRET) -> Report:
    """A small report with one entry per verdict; ``secret`` leaks into a message and a body."""
    leak = Exchange(
        "POST", "http://t/Users", {"Authorization": f"Bearer {TOKEN}"}, '{"userName": "a"}',
        400, {"X-Debug": secret}, f'{{"detail": "bad build {secret}"}}', 2.0,
    )  # fmt: skip
    entries = [entry(**row) for row in ENTRIES]
    entries[1].message = f"expected: HTTP 201\ngot: HTTP 400 (build {secret})"
    entries[1].failure = Failure(
        "HTTP 201", f"HTTP 400 (build {secret})", 0, Comparison("the resource", {"a": 1}, {"a": 2})
    )
    entries[1].exchanges = [leak]
    report = Report("run", "http://t", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:05+00:00",
                    exit_code=1, entries=entries, profile="rfc", prefix="scimh-abc-")  # fmt: skip
    report.readiness = [
        Readiness("RFC 7643/7644", "blocking", "2 blocking of 4 required checks", 4,
                  ["users.put.replace", "disc.spc"], profile="rfc"),
    ]  # fmt: skip
    return report


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_report_options(parser)
    return parser.parse_args(argv)


def write(
    argv: list[str], exit_code: int = 1, secrets: tuple[str, ...] = (TOKEN,)
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = parse(argv)
    known = secret_values(args, secrets, err)  # as each command does
    code = write_reports("run", args, sample_report(), known, exit_code, out, err)
    return code, out.getvalue(), err.getvalue()


# -- the format table ---------------------------------------------------------------


def test_every_format_renders_the_same_counts() -> None:
    report = sample_report()
    texts = {name: render(report, name) for name in FORMATS}
    assert json.loads(texts["json"])["counts"] == report.counts()
    cases = ET.fromstring(texts["junit"]).findall(".//testcase")
    assert [case.get("name") for case in cases] == [entry.id for entry in report.entries]
    for entry in report.entries:
        assert entry.id in texts["html"]
        # the summary names what needs attention; passes and skips are counted
        assert (entry.id in texts["md"]) == (entry.verdict in ("failed", "warning", "error"))
    assert texts["html"].lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("path", "name"),
    [("r.json", "json"), ("out/R.HTML", "html"), ("s.md", "md"), ("junit.xml", "junit"),
     ("report.txt", None), ("-", None)],
)  # fmt: skip
def test_the_suffix_names_the_format(path: str, name: str | None) -> None:
    assert format_for_path(path) == name


# -- write_reports ------------------------------------------------------------------


def test_each_requested_format_is_written_and_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMPLE_SECRET", SECRET)
    files = {"json": "r.json", "html": "r.html", "md": "r.md", "junit": "j.xml"}
    argv = ["--report-json", "r.json", "--report-html", "r.html", "--report-md", "r.md",
            "--junitxml", "j.xml", "--secret-env", "SAMPLE_SECRET"]  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, out, err = write(argv)
    assert (code, out, err) == (1, "", "")
    texts = {name: (tmp_path / file).read_text(encoding="utf-8") for name, file in files.items()}
    assert "[REDACTED]" in texts["json"]
    for name, text in texts.items():
        assert SECRET not in text and TOKEN not in text, name
    # without --secret-env the planted value is there to leak: the test can fail
    code, out, _ = write(["--report-md", "-"])
    assert SECRET in out and TOKEN not in out


def test_report_md_dash_writes_markdown_to_stdout() -> None:
    code, out, err = write(["--report-md", "-"], exit_code=0)
    assert code == 0 and err == ""
    assert "users.put.replace" in out and not out.lstrip().startswith("{")


def test_nothing_requested_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> Report:
        raise AssertionError("the report was redacted although no format was asked for")

    monkeypatch.setattr(output, "redact_report", explode)
    args = parse([])
    assert requested(args) == {}
    assert write_reports("run", args, sample_report(), (), 0) == 0


@pytest.mark.parametrize(("before", "after"), [(0, 2), (1, 1), (2, 2), (130, 130)])
def test_a_file_that_cannot_be_written_is_one_line_and_never_a_green_exit(
    tmp_path: Path, before: int, after: int
) -> None:
    missing = tmp_path / "no-such-dir" / "r.json"
    good = tmp_path / "r.md"
    code, _, err = write(["--report-json", str(missing), "--report-md", str(good)], before)
    assert code == after
    assert err.count("\n") == 1 and err.startswith(f"scim-harness run: cannot write {missing}: ")
    assert good.exists()  # the other formats are still written


def test_secret_values_collects_the_known_ones_and_the_secret_envs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONE", "v1")
    monkeypatch.delenv("UNSET_ONE", raising=False)
    err = io.StringIO()
    args = parse(["--secret-env", "ONE", "--secret-env", "UNSET_ONE"])
    assert secret_values(args, ["tok", None, ""], err) == ["tok", "v1"]
    assert "--secret-env UNSET_ONE is not set" in err.getvalue()


def test_basic_credentials_are_secret_in_every_form_they_travel_in() -> None:
    assert basic_secrets(None) == []
    # RFC 7617 §2: base64("Aladdin:open sesame")
    assert basic_secrets(("Aladdin", "open sesame")) == [
        "open sesame",
        "Aladdin:open sesame",
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    ]


# -- the options are wired into each command ------------------------------------------


@pytest.mark.parametrize("command", [["run"], ["okta", "run"], ["fuzz"]])
def test_every_command_has_the_report_options(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = capsys.readouterr().out
    for option in ("--report-json", "--report-html", "--report-md", "--junitxml", "--secret-env"):
        assert option in text, f"{' '.join(command)} lacks {option}"


def test_okta_run_writes_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = Path(__file__).resolve().parents[2] / "mock_okta" / "scenarios" / "group-push.yaml"
    paths = {name: tmp_path / f"r{item.suffix}" for name, item in FORMATS.items()}
    code = main(["okta", "run", str(scenario), "--report-json", str(paths["json"]),
                 "--report-html", str(paths["html"]), "--report-md", str(paths["md"]),
                 "--junitxml", str(paths["junit"])])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["source"] == "okta" and data["counts"]["passed"] == 1
    junit = ET.fromstring(paths["junit"].read_text(encoding="utf-8"))
    assert [case.get("name") for case in junit.iter("testcase")] == ["scenario.group-push"]
    assert "| scenario | 1 |" in paths["md"].read_text(encoding="utf-8")
    assert "group-push" in paths["html"].read_text(encoding="utf-8")


def test_fuzz_writes_junit_and_markdown_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "fuzz.xml"
    code = main(["fuzz", "--property", "paging", "--max-examples", "3", "--seed", "1",
                 "--database", "none", "--junitxml", str(junit), "--report-md", "-"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Fuzzing" in out and "| paging | 1 |" in out
    cases = ET.fromstring(junit.read_text(encoding="utf-8")).findall(".//testcase")
    assert [case.get("name") for case in cases] == ["fuzz.paging"]


def test_the_terminal_is_redacted_like_the_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a command prints: ``--secret-env`` values and returned passwords are replaced."""
    monkeypatch.setenv("SAMPLE_SECRET", SECRET)

    def command(args: argparse.Namespace) -> int:
        print(f"got: build {SECRET}", file=sys.stderr)
        print("got:      'password' = 'Pw-1!'", file=sys.stderr)
        print('{"userName": "a", "password": "Pw-2!"}')
        return 7

    assert redacts_terminal(command)(parse(["--secret-env", "SAMPLE_SECRET"])) == 7
    out, err = capsys.readouterr()
    assert err == "got: build [REDACTED]\ngot:      'password' = '[REDACTED]'\n"
    assert out == '{"userName": "a", "password": "[REDACTED]"}\n'
    # without --secret-env the value is printed: the wrapper is what hides it
    redacts_terminal(command)(parse([]))
    assert SECRET in capsys.readouterr().err
