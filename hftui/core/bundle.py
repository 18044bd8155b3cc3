"""The support bundle: what support asks for, ready to paste, with nothing secret in it."""

from __future__ import annotations

import json
import os
import platform
import re
import stat
import tempfile
from importlib import metadata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hftui.core.billto import read_attempts
from hftui.core.diagnosis import Diagnosis
from hftui.core.hub import Account
from hftui.core.plan import StepResult
from hftui.core.printable import printable, printable_tree
from hftui.core.probes import Exchange
from hftui.core.redact import Redactor
from hftui.core.report import sweep_lines, to_dict
from hftui.core.status import MARKS, StepStatus
from hftui.core.steps import StepId
from hftui.core.tokens import TokenCandidate

ISOLATING_CALLS = (StepId.KNOWN_GOOD, StepId.PINNED)


def versions() -> dict[str, str]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"hftui": version("hftui"), "huggingface_hub": version("huggingface_hub"), "httpx": version("httpx"),
            "python": platform.python_version(), "platform": platform.platform(terse=True)}


def billing(diagnosis: Diagnosis) -> dict[str, Any]:
    """Personal billing, or which org was tried with X-HF-Bill-To and whether it changed anything."""
    step = diagnosis.step(StepId.BILL_TO)
    if step is None or step.status is StepStatus.SKIPPED or not step.attempts:
        return {"mode": "personal", "bill_to_tried": [], "changed_outcome": None,
                "why_not_tried": step.skip_reason if step else None}
    repeated = diagnosis.step(step.repeats) if step.repeats else None
    before = repeated.http_status if repeated else None
    readings = read_attempts(step.attempts, diagnosis.account)
    tried = [{"org": attempt.org, "http_status": attempt.exchange.status, "request_id": attempt.exchange.request_id,
              "reading": reading.reading.value, "why": reading.why}
             for attempt, reading in zip(step.attempts, readings)]
    return {"mode": "personal, then X-HF-Bill-To", "bill_to_tried": tried,
            "changed_outcome": any(t["http_status"] != before for t in tried), "why_not_tried": None}


def _redactor(diagnosis: Diagnosis, extra: Iterable[TokenCandidate] = ()) -> Redactor:
    """Every token of the report (and `extra`: a token pasted in the app, which no source lists)."""
    redactor = Redactor()
    for candidate in (*diagnosis.tokens.candidates, *extra):
        redactor.add_token(candidate)
    if diagnosis.inputs.token is not None:
        redactor.add_token(diagnosis.inputs.token)
    return redactor


def to_bundle_dict(diagnosis: Diagnosis, extra: Iterable[TokenCandidate] = ()) -> dict[str, Any]:
    data = to_dict(diagnosis)
    data["bundle"] = {"versions": versions(), "billing": billing(diagnosis),
                      "isolating_calls": {sid: _outcome(diagnosis.step(sid)) for sid in ISOLATING_CALLS}}
    # Defence in depth: exchanges are redacted and made printable at capture, every string once more here.
    redactor = _redactor(diagnosis, extra)
    return printable_tree(data, lambda text: printable(redactor(text), keep_newlines=True))


def _outcome(step: StepResult | None) -> str:
    if step is None:
        return "not run"
    if step.status is StepStatus.SKIPPED:
        return f"skipped: {step.skip_reason}"
    text = f"{MARKS[step.status]} {step.http_status or 'no answer'}"
    return f"{text} ({step.target})" if step.target else text


def to_markdown(diagnosis: Diagnosis, extra: Iterable[TokenCandidate] = ()) -> str:
    """The bundle as Markdown. Foreign text (names, messages, ids) cannot forge any of it: in prose its
    Markdown characters are escaped (no link, image, HTML or code span of its own), and every code
    block or span is fenced by more backticks than the text inside it holds in a row."""
    verdict, account, token = diagnosis.verdict, diagnosis.account, diagnosis.token
    bill = billing(diagnosis)
    seed = f" (seed case {verdict.seed_case})" if verdict.seed_case else ""
    ids = [s.exchange.request_id for s in diagnosis.steps if s.exchange and s.exchange.request_id]
    name = (account.token_name if account else None) or "?"
    role = (account.token_role if account else None) or "?"
    out = [
        "# hftui support bundle",
        "",
        f"**Verdict: {_md(verdict.title)}{seed}** — {_code(verdict.case.value)}",
        "",
        _md(verdict.summary),
        "",
        "## What to send support",
        "",
        f"- Time of the run (UTC): {diagnosis.finished_at.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"- Hugging Face username: {_md(account.name) if account else 'unknown (whoami did not answer)'}",
        f"- Account: {_md(account.plan_line) if account else 'unknown'}",
        f"- Token: name '{_md(name)}', role {_md(role)}, ends with {_code(token.suffix if token else '-')}, "
        f"from {_md(token.source) if token else 'no source'}",
        f"- Billing: {_md(_billing_line(bill))}",
        f"- Known-good call ({diagnosis.inputs.baseline}): {_md(_outcome(diagnosis.step(StepId.KNOWN_GOOD)))}",
        f"- Pinned-provider call: {_md(_outcome(diagnosis.step(StepId.PINNED)))}",
        f"- x-request-ids: {', '.join(_code(i) for i in ids) or 'none received'}",
        "",
        "## Verdict evidence",
        "",
        *[f"- **{e.step_id}**: {_md(e.line)}" + (f" ({_code(e.request_id)})" if e.request_id else "")
          for e in verdict.evidence],
        "",
        "Next steps:",
        *[f"{i}. {_md(s)}" for i, s in enumerate(verdict.next_steps, 1)],
        "",
    ]
    if verdict.alternatives:
        out += [f"Also consistent with: {', '.join(c.value for c in verdict.alternatives)}", ""]
    out += ["## Environment", "", *[f"- {k}: {_md(v)}" for k, v in versions().items()],
            f"- router: {_md(diagnosis.inputs.router_url)}", f"- Hub: {_md(diagnosis.inputs.hub_url)}",
            f"- model as configured: {_code(str(diagnosis.inputs.model))}",
            f"- timeout: {diagnosis.inputs.timeout:g} s", ""]
    out += ["## Token sources", ""]
    for c in diagnosis.tokens.candidates:
        problems = ", ".join(p.value for p in c.problems) or "none"
        out.append(f"- {_md(c.source)}: {_code(c.suffix)} ({c.length} chars), problems: {problems}"
                   + (" — **active**" if c is diagnosis.tokens.active else ""))
        out += [f"  - {_md(note)}" for note in c.odd_characters]
    out += [f"- {_md(source)}: could not be read: {_md(why)}" for source, why in diagnosis.tokens.unreadable]
    if diagnosis.sweep:
        table = [printable(line) for line in sweep_lines(diagnosis.sweep)]
        out += ["", "## Sweep: the model pinned to every provider", "", _fence(table), *table, _fence(table)]
    out += ["", "## Every probe", ""]
    for step in diagnosis.steps:
        out += _step_markdown(step, diagnosis.account)
    # Server text stays literal: control characters (ANSI escapes, BEL, bidi overrides) become visible
    # escapes, so `cat bundle.md` cannot recolour or retitle a terminal; newlines and tabs stay.
    return _redactor(diagnosis, extra)(printable("\n".join(out), keep_newlines=True))


# Backticks, brackets and angle brackets (code spans, links, images, HTML), and a backslash only where it
# would escape what follows it: `\x1b` stays as it reads.
_MARKDOWN_ACTIVE = re.compile(r"\\(?=[!-/:-@\[-`{-~])|[`\[\]<>]")


def _md(text: str) -> str:
    """Foreign text for Markdown prose: one line, and no link, image, HTML tag or code span of its own."""
    return _MARKDOWN_ACTIVE.sub(lambda m: "\\" + m.group(0), printable(text))


def _code(text: str) -> str:
    """`text` as an inline code span that nothing in it can close."""
    text = printable(text)
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(lines: list[str]) -> str:
    """A code fence longer than any run of backticks in `lines`: no line of them can close it."""
    return "`" * max(3, max((_longest_backtick_run(line) for line in lines), default=0) + 1)


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _billing_line(bill: dict[str, Any]) -> str:
    if not bill["bill_to_tried"]:
        return f"personal (X-HF-Bill-To not tried: {bill['why_not_tried'] or 'n/a'})"
    tried = ", ".join(f"{t['org']} → {t['http_status'] or 'no answer'} ({t['reading']})" for t in bill["bill_to_tried"])
    return f"X-HF-Bill-To tried: {tried}; changed the outcome: {'yes' if bill['changed_outcome'] else 'no'}"


def _step_markdown(step: StepResult, account: Account | None) -> list[str]:
    out = [f"### {MARKS[step.status]} {step.step_id} — {_md(step.title)}", ""]
    if step.status is StepStatus.SKIPPED:
        return out + [f"Skipped: {_md(step.skip_reason or '')}", ""]
    if step.note:
        out += [_md(step.note), ""]
    # Each bill-to attempt with what it says, read against whoami: a refusal confirms nothing about billing.
    exchanges = [(f"With {_code(f'X-HF-Bill-To: {attempt.org}')}: **{reading.reading.value}** — {_md(reading.why)}",
                  attempt.exchange) for attempt, reading in zip(step.attempts, read_attempts(step.attempts, account))]
    for heading, exchange in exchanges or ([("", step.exchange)] if step.exchange else []):
        if heading:
            out += [heading, ""]
        out += _exchange_markdown(exchange)
    return out


def _exchange_markdown(exchange: Exchange) -> list[str]:
    req = exchange.request
    request = [f"{req.method} {req.url}", *[f"{k}: {v}" for k, v in req.headers]]
    if req.body:
        request += ["", req.body]
    fence = _fence(request)
    out = [f"- started (UTC): {exchange.started_at.isoformat(timespec='milliseconds')}, "
           f"elapsed: {exchange.elapsed_ms:.0f} ms", "", fence + "http", *request, fence, ""]
    if exchange.error is not None:
        return out + [f"No HTTP answer: {_md(str(exchange.error))}", ""]
    res = exchange.response
    response = [f"{res.http_version} {res.status} {res.reason}", *[f"{k}: {v}" for k, v in res.headers], "",
                res.body.rstrip()]
    if res.truncated:
        response.append(f"[body truncated: kept {len(res.body.encode())} of {res.body_bytes}+ bytes]")
    fence = _fence(response)
    return out + [fence + "http", *response, fence, ""]


class ReportError(Exception):
    """The report could not be written: one line, naming the file and why (it never names the token)."""


def write_private(path: Path, text: str, force: bool = True) -> None:
    """Write a file readable only by its owner (bundles describe an account), whole or not at all.

    The text goes to a new temporary file beside the target (mode 0600 from its creation: hftui never
    chmods a file it did not create), which is then renamed into place: a failure leaves no half
    file and keeps an existing one intact. Without `force` an existing path is refused, even one
    created meanwhile; with it, a symlink at the path is replaced, never followed. A directory or a
    special file (a device, a FIFO) at the path is refused either way. Raises ReportError."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ReportError(f"cannot write {printable(str(path))}: {exc.strerror or type(exc).__name__}") from None
    if info is not None:
        _refuse_existing(path, info, force)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ReportError(f"cannot write in {printable(str(path.parent))}: "
                          f"{exc.strerror or type(exc).__name__}") from None
    try:
        os.fchmod(fd, 0o600)  # mkstemp's 0600 minus the umask: still 0600 unless the umask is odd
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(temporary, path, force)
    except OSError as exc:
        raise ReportError(f"cannot write {printable(str(path))}: {exc.strerror or type(exc).__name__}") from None
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _refuse_existing(path: Path, info: os.stat_result, force: bool) -> None:
    shown = printable(str(path))
    if stat.S_ISDIR(info.st_mode):
        raise ReportError(f"{shown} is a directory; name a file, e.g. {shown}/bundle.md")
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise ReportError(f"{shown} is not a regular file (a device, a FIFO or a socket); name a new file")
    if not force:
        what = "a symlink" if stat.S_ISLNK(info.st_mode) else "a file"
        raise ReportError(f"{shown} already exists ({what}); pass --force to replace it, or name a new file")


def _move_into_place(temporary: str, path: Path, force: bool) -> None:
    if force:
        os.replace(temporary, path)  # replaces a symlink itself, never what it points to
        return
    try:
        os.link(temporary, path)  # fails if anything is there, even if it appeared after the check
    except FileExistsError:
        raise ReportError(f"{printable(str(path))} already exists; pass --force to replace it") from None
    except OSError:
        # A file system without hard links: create the file exclusively, without following a symlink.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle, open(temporary, "rb") as source:
            handle.write(source.read())


def render_bundle(diagnosis: Diagnosis, fmt: str, extra: Iterable[TokenCandidate] = ()) -> str:
    """The bundle as `fmt` ("md" or "json"); `extra`: tokens to redact that no source lists (a paste)."""
    if fmt == "json":
        return json.dumps(to_bundle_dict(diagnosis, extra), indent=2, ensure_ascii=False) + "\n"
    return to_markdown(diagnosis, extra)


def format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".md", ".markdown", ".txt"):
        return "md"
    raise ValueError(f"{path.name}: use a .md or .json file name for the report")
