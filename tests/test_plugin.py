"""The pytest plugin as a vendor uses it: options, markers, fixtures (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_scim_client_defaults_to_the_reference_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_spc(scim_client, scim_settings):
            response = scim_client.get("/ServiceProviderConfig")
            assert response.status == 200
            assert scim_settings.profile == "rfc"
            assert scim_settings.prefix.startswith("scimh-")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_options_reach_the_settings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_settings(scim_settings):
            assert scim_settings.profile == "okta"
            assert scim_settings.prefix == "vendor-ci-"
            assert scim_settings.timeout == 2.5
            assert scim_settings.token_env == "MY_TOKEN"
        """
    )
    result = pytester.runpytest(
        "--scim-profile=okta", "--scim-prefix=vendor-ci-", "--scim-timeout=2.5",
        "--scim-token-env=MY_TOKEN", "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=1)


def test_an_unknown_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--scim-profile=azure", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_read_only_skips_mutating_checks_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scim_mutating
        def test_create(): pass

        def test_read(): pass
        """
    )
    result = pytester.runpytest("--scim-read-only", "-rs", "--strict-markers")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*read-only run: this check changes the target*"])
    pytester.runpytest("--strict-markers").assert_outcomes(passed=2)


def test_scim_url_targets_a_live_server(pytester: pytest.Pytester, live_scim_server) -> None:
    """The same fixture over a socket; the token comes from the named variable."""
    pytester.makepyfile(
        """
        def test_users(scim_client):
            assert scim_client.get("/Users").status == 200
        """
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIVE_TOKEN", live_scim_server.token)
        result = pytester.runpytest_subprocess(
            f"--scim-url={live_scim_server.base_url}", "--scim-token-env=LIVE_TOKEN",
            "-p", "no:cacheprovider",
        )  # fmt: skip
    result.assert_outcomes(passed=1)


def test_the_conformance_suite_runs_under_plain_pytest(
    pytester: pytest.Pytester, live_scim_server
) -> None:
    """A vendor's CI can use pytest itself: ``--pyargs harness.conformance`` plus the options.

    A recommended (``should``) check the target breaks shows as xfailed, never as a
    failure; a required one fails with the check's message.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIVE_TOKEN", live_scim_server.token)
        result = pytester.runpytest_subprocess(
            "--pyargs", "harness.conformance", "-p", "no:cacheprovider",
            f"--scim-url={live_scim_server.base_url}", "--scim-token-env=LIVE_TOKEN",
            "--scim-select", "disc.*,users.*", "-q",
        )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 2
    assert "failed" not in outcomes
