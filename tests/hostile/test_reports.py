"""Reports never lose anything: the run is printed first, the file is written whole or not at all, an
existing path is refused without --force, a symlink is never followed, a file hftui did not create is
never chmod-ed; a failure is one line and exit 2. The Markdown cannot be forged by what a server says."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from hhelpers import PLANTED, run
from hostile_server import MODEL, json_answer


def diagnose(url: str, *extra: str, env=None):
    return run("diagnose", "--hub-url", url, "--router-url", url, "--model", MODEL, "--timeout", "5", *extra,
               env={"HF_TOKEN": PLANTED, **(env or {})})


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hftui: error: --report"), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_write_that_fails_after_the_run_costs_one_line_and_the_run_is_already_printed(hostile):
    server = hostile()
    target = "/proc/hftui-report.md"  # the folder exists, nothing can be created in it, even by root
    result = diagnose(server.url, "--report", target)
    assert result.returncode == 2
    assert "▶" in result.stdout and "whoami" in result.stdout, "the run was printed before the write"
    assert "the run is printed above" in one_error_line(result.stderr)
    as_json = diagnose(server.url, "--json", "--report", target)
    assert as_json.returncode == 2 and as_json.stdout.lstrip().startswith("{")
    one_error_line(as_json.stderr)


def test_a_directory_named_like_the_report_is_refused_before_anything_is_sent(hostile, tmp_path):
    (tmp_path / "x.md").mkdir()
    server = hostile()
    result = diagnose(server.url, "--report", str(tmp_path / "x.md"))
    assert result.returncode == 2 and "is a directory" in one_error_line(result.stderr)
    assert server.requests == []


@pytest.mark.parametrize("force", [False, True])
def test_a_symlink_at_the_report_path_is_never_followed_nor_its_target_chmod_ed(hostile, tmp_path, force):
    """The issue's case is a link to /dev/full (whose mode the old code changed to 0600); a file of the
    user's stands in for it here, so a regression cannot damage the machine running the tests."""
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("not hftui's")
    victim.chmod(0o644)
    link = tmp_path / "bundle.md"
    link.symlink_to(victim)
    server = hostile()
    result = diagnose(server.url, "--report", str(link), *(["--force"] if force else []))
    assert victim.read_text() == "not hftui's" and stat.S_IMODE(victim.stat().st_mode) == 0o644
    if force:
        assert result.returncode in (0, 1), result.stderr
        assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600
        assert link.read_text().startswith("# hftui support bundle")
    else:
        assert result.returncode == 2 and "already exists" in one_error_line(result.stderr)
        assert link.is_symlink() and server.requests == []


def test_an_existing_report_is_kept_without_force_and_replaced_whole_with_it(hostile, tmp_path):
    target = tmp_path / "bundle.json"
    target.write_text("the user's own file")
    target.chmod(0o644)
    server = hostile()
    refused = diagnose(server.url, "--report", str(target))
    assert refused.returncode == 2 and "--force" in one_error_line(refused.stderr)
    assert target.read_text() == "the user's own file" and stat.S_IMODE(target.stat().st_mode) == 0o644
    replaced = diagnose(server.url, "--report", str(target), "--force")
    assert replaced.returncode in (0, 1), replaced.stderr
    assert target.read_text().startswith("{") and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json"], "no temporary file is left behind"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_a_read_only_folder_is_one_line(hostile, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    result = diagnose(hostile().url, "--report", str(folder / "b.md"))
    assert result.returncode == 2 and "▶" in result.stdout
    one_error_line(result.stderr)


def test_write_private_refuses_what_is_there_and_leaves_no_half_file(tmp_path):
    from hftui.core.bundle import ReportError, write_private

    existing = tmp_path / "b.md"
    existing.write_text("keep me")
    with pytest.raises(ReportError, match="already exists"):
        write_private(existing, "new", force=False)
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    with pytest.raises(ReportError, match="not a regular file"):
        write_private(fifo, "x", force=True)
    with pytest.raises(ReportError, match="cannot write"):
        write_private(Path("/proc/b.md"), "x")
    assert existing.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["b.md", "fifo.md"]


def test_a_token_with_a_byte_that_is_not_utf8_never_crashes_a_report_and_is_flagged(hostile, tmp_path):
    server = hostile()
    target = tmp_path / "b.md"
    target.write_text("an older bundle")
    env = {"HF_TOKEN": PLANTED + "\udcff", "PYTHONIOENCODING": "utf-8:strict"}
    plain = diagnose(server.url, "--report", str(target), "--force", env=env)
    assert plain.returncode in (0, 1) and "Traceback" not in plain.stderr, plain.stderr[-2000:]
    assert "not_utf8" in plain.stdout and "byte 0xFF (not UTF-8)" in plain.stdout
    text = target.read_text()
    assert text.startswith("# hftui support bundle") and "not_utf8" in text
    as_json = diagnose(server.url, "--json", env=env)
    assert as_json.returncode in (0, 1), as_json.stderr[-2000:]
    document = json.loads(as_json.stdout)
    assert "not_utf8" in document["token"]["problems"]


HOSTILE_ORG = "acme\n```\n# Verdict: Everything works\n[click](https://evil.example/x.sh) <img src=x>"


def test_the_markdown_bundle_cannot_be_forged_by_a_body_or_a_name(hostile, tmp_path):
    forged = "````\n# Verdict: Everything works\n`````\n\n# Verdict: Everything works"
    user = {"type": "user", "name": "ada", "orgs": [{"name": HOSTILE_ORG}],
            "auth": {"accessToken": {"displayName": "`` ` ``", "role": "write"}}}
    server = hostile({"whoami": lambda r: json_answer(user),
                      "chat": lambda r: json_answer({"error": forged}, 500, "Server Error")})
    diagnose(server.url, "--report", str(tmp_path / "b.md"))
    markdown = (tmp_path / "b.md").read_text()
    outside = lines_outside_code(markdown)
    assert any("Everything works" in line for line in outside), "the server's words are shown, as one line of text"
    assert not any(re.match(r"\s{0,3}#+ .*Everything works", line) for line in outside), "a forged heading renders"
    assert not any(re.search(r"(?<!\\)\[click(?<!\\)\]", line) or re.search(r"(?<!\\)<img", line) for line in outside)
    assert outside.count("# hftui support bundle") == 1 and sum(line.startswith("# ") for line in outside) == 1


def lines_outside_code(markdown: str) -> list[str]:
    """The lines a CommonMark renderer shows as Markdown: not inside a fenced block, inline code removed."""
    outside, fence = [], None
    for line in markdown.splitlines():
        stripped = line.strip()
        if fence is None:
            opening = re.match(r"(`{3,}|~{3,})", stripped)
            if opening:
                fence = opening.group(1)
                continue
            outside.append(re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", line))
        elif re.fullmatch(re.escape(fence[0]) + "{%d,}" % len(fence), stripped):
            fence = None
    return outside
