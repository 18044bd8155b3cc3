"""Diagnosis → the documents people read: the JSON schema and the terminal table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hftui.core.billto import read_attempt
from hftui.core.checked import checked
from hftui.core.hub import Account
from hftui.core.plan import StepResult
from hftui.core.printable import printable
from hftui.core.probes import Exchange
from hftui.core.status import MARKS, StepStatus
from hftui.core.timing import short_duration
from hftui.core.sweep import marks as sweep_marks

if TYPE_CHECKING:  # a Diagnosis renders itself through this module (to_json, to_text)
    from hftui.core.diagnosis import Diagnosis

SCHEMA_VERSION = 1


def to_dict(diagnosis: Diagnosis, simulator: str | None = None) -> dict[str, Any]:
    """The JSON document (`diagnose --json`); `simulator`: the scenario of a `--sim` run, else null."""
    verdict = diagnosis.verdict
    token = diagnosis.token
    account = diagnosis.account
    return {
        "schema": SCHEMA_VERSION,
        "verdict": {
            "case": verdict.case.value,
            "seed_case": verdict.seed_case,
            "title": verdict.title,
            "summary": verdict.summary,
            "evidence": [
                {"step": e.step_id, "fact": e.line, "http_status": e.http_status, "request_id": e.request_id,
                 "status": e.status.value if e.status else None}
                for e in verdict.evidence
            ],
            "next_steps": list(verdict.next_steps),
            "alternatives": [c.value for c in verdict.alternatives],
        },
        "steps": [_step_dict(step, account) for step in diagnosis.steps],
        "token": None if token is None else {
            "source": token.source,
            "suffix": token.suffix,
            "length": token.length,
            "problems": [p.value for p in token.problems],
            "expires_at": token.expires_at,
            "refreshable": token.refreshable,
            "characters": token.odd_characters,  # what ODD_CHARACTER / NOT_UTF8 found, and where
        },
        "token_sources": [
            {"source": c.source, "suffix": c.suffix, "length": c.length, "problems": [p.value for p in c.problems],
             "active": c is diagnosis.tokens.active, "characters": c.odd_characters,
             "where": c.note if c.note and (c.app_source or c.source.startswith(("file:", "stored_tokens:"))) else None, "app_source": c.app_source,
             "differs_from_tested": None if token is None else c.cleaned != token.cleaned,
             "checked": checked(diagnosis, c).as_dict()}
            for c in diagnosis.tokens.candidates
        ],
        # Sources that exist but could not be read (a keyring without a backend, an unreadable file).
        "token_sources_unreadable": [{"source": source, "why": why} for source, why in diagnosis.tokens.unreadable],
        "account": None if account is None else {
            "name": account.name,
            "orgs": list(account.orgs),
            "token_name": account.token_name,
            "token_role": account.token_role,
            "can_call_inference": account.can_call_inference,
            "is_pro": account.is_pro,
            "can_pay": account.can_pay,
            "billing_mode": account.billing_mode,
            "token_kind": account.token_kind,
            "auth_type": account.auth_type,
            "org_details": [{"name": org.name, "can_pay": org.can_pay, "is_enterprise": org.is_enterprise,
                             "role": org.role, "token_may_bill": account.may_bill(org.name)}
                            for org in account.org_details],
        },
        "inputs": {
            "model": str(diagnosis.inputs.model),
            "baseline": str(diagnosis.inputs.baseline),
            "bill_to": diagnosis.inputs.bill_to,
            "router_url": diagnosis.inputs.router_url,
            "router_url_note": diagnosis.inputs.router_url_note,
            "hub_url": diagnosis.inputs.hub_url,
            "timeout": diagnosis.inputs.timeout,
            "simulator": simulator,
        },
        "app": _app_dict(diagnosis),
        "finished_at": diagnosis.finished_at.isoformat(),
        # null when the sweep was not asked for; else one entry per provider, removed ones included (not called)
        "sweep": None if diagnosis.sweep is None else [route.to_dict() for route in diagnosis.sweep],
    }


def _app_dict(diagnosis: Diagnosis) -> dict[str, Any]:
    """What the app itself uses: its client libraries and the route it posts chat to (null: not known)."""
    client, route = diagnosis.inputs.app_client, diagnosis.inputs.app_route
    return {
        "python": client.python if client else None,
        "own_python": client.own if client else None,
        "packages": dict(client.versions) if client else {},
        "error": client.error if client else None,
        "hub_route": client.hub_route.value if client and client.hub_route else None,
        "refreshes_oauth": client.refreshes_oauth if client else None,  # assumed from huggingface_hub 2.x
        "route": None if route is None else {"url": route.url, "kind": route.kind.value, "origin": route.origin,
                                             "provider": route.provider, "fix": route.fix},
    }


def _step_dict(step: StepResult, account: Account | None = None) -> dict[str, Any]:
    exchange = step.exchange
    data: dict[str, Any] = {
        "id": step.step_id,
        "title": step.title,
        "status": step.status.value,
        "http_status": step.http_status,
        "request_id": exchange.request_id if exchange else None,
        "elapsed_ms": exchange.elapsed_ms if exchange else None,
        "ttfb_ms": exchange.ttfb_ms if exchange else None,
        "started_at": exchange.started_at.isoformat() if exchange else None,
        "request": _request_dict(exchange),
        "response": _response_dict(exchange),
        "error": step.message if step.status in (StepStatus.FAILED, StepStatus.ERROR, StepStatus.SKIPPED) else None,
        "note": step.note,
    }
    if step.attempts:
        data["attempts"] = [
            {"bill_to": attempt.org, "http_status": attempt.exchange.status, "request_id": attempt.exchange.request_id,
             "request": _request_dict(attempt.exchange), "response": _response_dict(attempt.exchange),
             **_reading(attempt.org, attempt.exchange, account)}
            for attempt in step.attempts
        ]
    if step.token_checks:
        data["token_checks"] = [{"sources": list(check.sources), "suffix": check.suffix,
                                 "http_status": check.exchange.status, "request_id": check.exchange.request_id}
                                for check in step.token_checks]
    if step.orgs_not_tried:
        data["orgs_not_tried"] = [{"org": org, "why": why} for org, why in step.orgs_not_tried]
    if step.stream is not None:
        data["stream"] = step.stream.to_dict(exchange)
    return data


def _reading(org: str, exchange: Exchange, account: Account | None) -> dict[str, str]:
    """What the attempt says, read against whoami: worked, refused, tried (the billing path), other."""
    reading = read_attempt(org, exchange, account)
    return {"reading": reading.reading.value, "why": reading.why}


def _request_dict(exchange: Exchange | None) -> dict[str, Any] | None:
    if exchange is None:
        return None
    req = exchange.request
    return {"method": req.method, "url": req.url, "headers": dict(req.headers), "body": req.body}


def _response_dict(exchange: Exchange | None) -> dict[str, Any] | None:
    if exchange is None or exchange.response is None:
        return None
    res = exchange.response
    return {"status": res.status, "headers": _merge_headers(res.headers), "body": res.body,
            "truncated": res.truncated, "body_bytes": res.body_bytes, "body_note": res.note}


def _merge_headers(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def step_line(step: StepResult) -> tuple[str, str, str, str, str]:
    """(mark, id, status, elapsed, detail) for a compact table."""
    exchange = step.exchange
    status = str(step.http_status) if step.http_status else ("err" if step.status is StepStatus.ERROR else "")
    elapsed = short_duration(exchange.elapsed_ms) if exchange else ""
    if step.status is StepStatus.OK:
        detail = step.note or step.title
    else:
        detail = step.message or step.title
    body_note = exchange.response.note if exchange and exchange.response else None
    if body_note:
        detail = f"{detail} ({body_note})"
    rid = exchange.request_id if exchange else None
    if rid:
        detail = f"{detail}  [{rid}]"
    return MARKS[step.status], step.step_id, status, elapsed, detail


def to_text(diagnosis: Diagnosis, color: bool = False, width: int | None = None,
            simulator: str | None = None) -> str:
    """The terminal report. Every line goes through printable(): server text (error bodies, user and
    org names, request ids) reaches the terminal as inert characters, one line per line.

    `width`: wrap to it (the terminal's width), each continuation under the text it continues; None:
    one line per item, for pipes and files. `simulator`: the scenario a `--sim` run used, said first."""
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    def add(text: str, indent: int = 0, code: str | None = None) -> None:
        for line in _wrap(printable(text), width, indent):
            lines.append(paint(line, code) if code else line)

    lines: list[str] = []
    if simulator is not None:
        add(f"sim    scenario {simulator} on hftui's built-in simulator (127.0.0.1, a fake token; "
            f"nothing left this machine)", 7)
    token = diagnosis.token
    if token is not None:
        problems = ", ".join(p.value for p in token.problems) or "no problems found"
        add(f"token  {token.source} {token.suffix} ({token.length} chars): {problems}", 7)
        for note in token.odd_characters:
            add(f"       {note}", 9)
    else:
        lines.append("token  none found")
    stored = diagnosis.tokens.stored
    if stored and token is None:
        names = ", ".join(c.source.split(":", 1)[1] for c in stored)
        add(f"       stored_tokens holds {names}: never used first by a runtime; test one with "
            f"--token-env NAME, or `hf auth switch` to make it the token file's", 7)
    for other in diagnosis.tokens.candidates:
        if token is not None and other.source != token.source:
            same = "same token" if other.cleaned == token.cleaned else "a different token"
            add(f"       also {other.source} {other.suffix} ({same}): {checked(diagnosis, other).words}", 7)
    for source, why in diagnosis.tokens.unreadable:
        add(f"       {source} could not be read: {why}", 9)
    if diagnosis.account:
        acct = diagnosis.account
        add(f"user   {acct.name}  token '{acct.token_name or '?'}' ({acct.token_role or '?'})  "
            f"orgs: {', '.join(acct.orgs) or 'none'}", 7)
        add(f"pays   {acct.plan_line}", 7)  # can pay, billing mode: the clue for case C
    lines.append("")
    colors = {"✓": "32", "✗": "31", "–": "2"}
    for step in diagnosis.steps:
        mark, sid, status, elapsed, detail = step_line(step)
        row = _wrap(printable(f"{sid:<14} {status:>4} {elapsed:>6}  {detail}"), width and width - 2, STEP_INDENT)
        lines.append(f"{paint(mark, colors.get(mark, '0'))} {row[0]}")
        lines += [f"  {line}" for line in row[1:]]
    if diagnosis.sweep:
        lines += ["", *(printable(line) for line in sweep_lines(diagnosis.sweep))]
    verdict = diagnosis.verdict
    seed = f" (case {verdict.seed_case})" if verdict.seed_case else ""
    lines.append("")
    add(f"▶ {verdict.title}{seed}  [{verdict.case.value}]", 2, "1")
    add(f"  {verdict.summary}", 2)
    if verdict.evidence:
        lines.append("  evidence:")
        for e in verdict.evidence:
            add(f"    - {e.step_id}: {e.line}" + (f"  [{e.request_id}]" if e.request_id else ""), 6)
    if verdict.next_steps:
        lines.append("  next steps:")
        for i, s in enumerate(verdict.next_steps, 1):
            add(f"    {i}. {s}", 7)
    if verdict.alternatives:
        add("  also consistent with: " + ", ".join(c.value for c in verdict.alternatives), 4)
    return "\n".join(lines)


STEP_INDENT = 14 + 1 + 4 + 1 + 6 + 2  # continuation lines of a step start under its detail


def _wrap(text: str, width: int | None, indent: int) -> list[str]:
    """`text` wrapped to `width` with continuations indented by `indent`; a URL or id too long for a line
    stays whole (a terminal folds it) rather than being cut where a copy would break it."""
    if not width or len(text) <= width:
        return [text]
    import textwrap

    return textwrap.wrap(text, width=max(width, indent + 20), subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False, drop_whitespace=True) or [text]




def sweep_lines(routes) -> list[str]:
    """The sweep as a table: mark, provider, status, first byte, total, price in/out per 1M, context, and
    the fastest and cheapest working routes marked."""
    marked = sweep_marks(routes)
    lines = [f"sweep  {'provider':<16} {'http':>4} {'ttfb':>8} {'total':>8}  {'$ in/out per 1M':<15} {'ctx':>5}"]
    for route in routes:
        option = route.option
        price = (f"{_price(option.input_price)}/{_price(option.output_price)}"
                 if option.input_price is not None or option.output_price is not None else "?")
        mark = {"ok": "✓", "removed": "–"}.get(route.status, "✗")
        tags = ", ".join(marked.get(route.provider, ()))
        tail = f"  ◀ {tags}" if tags else (f"  {route.error}" if route.error and not route.works else "")
        lines.append(f"{mark}      {route.provider:<16} {route.http_status or '':>4} {_ms(route.ttfb_ms):>8} "
                     f"{_ms(route.elapsed_ms):>8}  {price:<15} {_context(option.context_length):>5}{tail}")
    return lines


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f} ms"


def _price(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _context(value: int | None) -> str:
    return "" if value is None else f"{value // 1000}k" if value >= 1000 else str(value)  # as the app shows it


__all__ = ["sweep_lines", "to_dict", "to_text"]
