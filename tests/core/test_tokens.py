"""Token hygiene: what the raw value looks like, and where each token came from."""

from pathlib import Path

import pytest

from hftui.core.tokens import (
    TokenCandidate,
    TokenLocations,
    TokenProblem,
    clean_token,
    discover_tokens,
    inspect_token,
)

GOOD = "hf_" + "a" * 30 + "GOODTOKN"
OLD = "hf_" + "b" * 30 + "OLDTOKEN"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GOOD + "\n", {TokenProblem.TRAILING_WHITESPACE, TokenProblem.NEWLINE}),
        (GOOD + "\r\n", {TokenProblem.TRAILING_WHITESPACE, TokenProblem.NEWLINE}),
        ("  " + GOOD, {TokenProblem.LEADING_WHITESPACE}),
        (f'"{GOOD}"', {TokenProblem.QUOTED}),
        (f"'{GOOD}'\n", {TokenProblem.QUOTED, TokenProblem.TRAILING_WHITESPACE, TokenProblem.NEWLINE}),
        (f"Bearer {GOOD}", {TokenProblem.BEARER_PREFIX}),
        ("\ufeff" + GOOD, {TokenProblem.BOM}),
        ("api_org_" + "c" * 30, {TokenProblem.ORG_TOKEN}),
        ("sk-provider-key-1234567890", {TokenProblem.NOT_HF_TOKEN}),
        ("   ", {TokenProblem.EMPTY}),
        (GOOD, set()),
        (f'"{GOOD}', {TokenProblem.STRAY_QUOTE}),
        (f"{GOOD}'\n", {TokenProblem.STRAY_QUOTE, TokenProblem.TRAILING_WHITESPACE, TokenProblem.NEWLINE}),
        (f'"Bearer {GOOD}', {TokenProblem.STRAY_QUOTE, TokenProblem.BEARER_PREFIX}),
    ],
)
def test_each_contamination_is_named(raw, expected):
    assert set(inspect_token(raw)) == expected


@pytest.mark.parametrize("raw", [GOOD + "\n", f'"{GOOD}"', f"Bearer {GOOD}", "\ufeff" + GOOD, f' "Bearer {GOOD}" \n',
                                 f'"{GOOD}', f"{GOOD}`", f'"Bearer {GOOD}'])
def test_cleaning_recovers_the_token_the_user_meant(raw):
    assert clean_token(raw) == GOOD


def test_a_stray_leading_quote_is_named_as_such_not_as_a_provider_key():
    """A pasted `"Bearer hf_…` (half of a quoted .env value): the cleaned token is the 36-character one."""
    token = "hf_" + "x" * 33
    candidate = TokenCandidate.pasted(f'"Bearer {token}')
    assert len(candidate.cleaned) == 36 == len(token)
    assert TokenProblem.NOT_HF_TOKEN not in candidate.problems
    assert TokenProblem.STRAY_QUOTE.explanation.startswith("starts or ends with a lone quote")


def test_precedence_token_env_then_env_then_keyring_then_file(tmp_path: Path):
    token_file = tmp_path / "token"
    token_file.write_text(OLD + "\n")
    where = TokenLocations(
        env={"HF_TOKEN": GOOD, "MY_APP_TOKEN": GOOD + "\n", "HUGGING_FACE_HUB_TOKEN": GOOD},
        token_env="MY_APP_TOKEN",
        keyring_reader=lambda: GOOD,
        token_path=token_file,
        stored_tokens_path=tmp_path / "stored_tokens",
    )
    report = discover_tokens(where)
    assert [c.source for c in report.candidates] == [
        "env:MY_APP_TOKEN", "env:HF_TOKEN", "env:HUGGING_FACE_HUB_TOKEN", "keyring", "file:token"]
    assert report.active.source == "env:MY_APP_TOKEN"
    assert TokenProblem.NEWLINE in report.active.problems


def test_an_old_token_file_shadowed_by_env_is_flagged_on_both(tmp_path: Path):
    (tmp_path / "token").write_text(OLD)
    report = discover_tokens(TokenLocations(env={"HF_TOKEN": GOOD}, token_path=tmp_path / "token"))
    assert all(TokenProblem.DIFFERS_FROM_OTHER_SOURCE in c.problems for c in report.candidates)


def test_stored_tokens_are_listed_but_do_not_count_as_shadowing(tmp_path: Path):
    (tmp_path / "stored_tokens").write_text(f"[work]\nhf_token = {GOOD}\n\n[old]\nhf_token = {OLD}\n")
    report = discover_tokens(TokenLocations(env={"HF_TOKEN": GOOD}, stored_tokens_path=tmp_path / "stored_tokens"))
    assert [c.source for c in report.candidates] == ["env:HF_TOKEN", "stored_tokens:work", "stored_tokens:old"]
    assert not any(TokenProblem.DIFFERS_FROM_OTHER_SOURCE in c.problems for c in report.candidates)


def test_a_keyring_that_fails_is_reported_not_raised():
    def broken():
        raise RuntimeError("No recommended backend was available")

    report = discover_tokens(TokenLocations(env={}, keyring_reader=broken))
    assert report.active is None
    assert report.unreadable == (("keyring", "No recommended backend was available"),)


def test_suffix_is_last_eight_of_the_cleaned_token_and_repr_hides_the_secret():
    report = discover_tokens(TokenLocations(env={"HF_TOKEN": GOOD + "\n"}))
    candidate = report.active
    assert candidate.suffix == "…GOODTOKN"
    assert GOOD not in repr(candidate) and GOOD not in str(candidate)
    assert candidate.length == len(GOOD) + 1 and candidate.is_malformed


def test_default_paths_follow_hf_home(tmp_path: Path):
    where = TokenLocations.from_environment(env={"HF_HOME": str(tmp_path)})
    assert where.token_path == tmp_path / "token"
    assert where.stored_tokens_path == tmp_path / "stored_tokens"
    where = TokenLocations.from_environment(env={"HF_TOKEN_PATH": str(tmp_path / "x" / "tok")})
    assert where.token_path == tmp_path / "x" / "tok"
