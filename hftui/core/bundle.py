"""The support bundle: what support asks for, ready to paste, with nothing secret in it."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from hftui.core.diagnosis import Diagnosis
from hftui.core.plan import StepResult
from hftui.core.printable import printable
from hftui.core.probes import Exchange
from hftui.core.redact import Redactor
from hftui.core.report import sweep_lines, to_dict
from hftui.core.status import MARKS, StepStatus
from hftui.core.steps import StepId

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
    tried = [{"org": attempt.org, "http_status": attempt.exchange.status, "request_id": attempt.exchange.request_id}
             for attempt in step.attempts]
    return {"mode": "personal, then X-HF-Bill-To", "bill_to_tried": tried,
            "changed_outcome": any(t["http_status"] != before for t in tried), "why_not_tried": None}


def _redactor(diagnosis: Diagnosis) -> Redactor:
    redactor = Redactor()
    for candidate in diagnosis.tokens.candidates:
        redactor.add_token(candidate)
    return redactor


def to_bundle_dict(diagnosis: Diagnosis) -> dict[str, Any]:
    data = to_dict(diagnosis)
    data["bundle"] = {"versions": versions(), "billing": billing(diagnosis),
                      "isolating_calls": {sid: _outcome(diagnosis.step(sid)) for sid in ISOLATING_CALLS}}
    # Defence in depth: exchanges are redacted at capture, and the whole document once more here.
    return json.loads(_redactor(diagnosis)(json.dumps(data, ensure_ascii=False)))


def _outcome(step: StepResult | None) -> str:
    if step is None:
        return "not run"
    if step.status is StepStatus.SKIPPED:
        return f"skipped: {step.skip_reason}"
    text = f"{MARKS[step.status]} {step.http_status or 'no answer'}"
    return f"{text} ({step.target})" if step.target else text


def to_markdown(diagnosis: Diagnosis) -> str:
    verdict, account, token = diagnosis.verdict, diagnosis.account, diagnosis.token
    bill = billing(diagnosis)
    seed = f" (seed case {verdict.seed_case})" if verdict.seed_case else ""
    ids = [s.exchange.request_id for s in diagnosis.steps if s.exchange and s.exchange.request_id]
    out = [
        "# hftui support bundle",
        "",
        f"**Verdict: {verdict.title}{seed}** — `{verdict.case.value}`",
        "",
        verdict.summary,
        "",
        "## What to send support",
        "",
        f"- Time of the run (UTC): {diagnosis.finished_at.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"- Hugging Face username: {account.name if account else 'unknown (whoami did not answer)'}",
        f"- Account: {account.plan_line if account else 'unknown'}",
        f"- Token: name '{account.token_name if account and account.token_name else '?'}', role "
        f"{account.token_role if account and account.token_role else '?'}, ends with `{token.suffix if token else '-'}`, "
        f"from {token.source if token else 'no source'}",
        f"- Billing: {_billing_line(bill)}",
        f"- Known-good call ({diagnosis.inputs.baseline}): {_outcome(diagnosis.step(StepId.KNOWN_GOOD))}",
        f"- Pinned-provider call: {_outcome(diagnosis.step(StepId.PINNED))}",
        f"- x-request-ids: {', '.join(f'`{i}`' for i in ids) or 'none received'}",
        "",
        "## Verdict evidence",
        "",
        *[f"- **{e.step_id}**: {e.line}" + (f" (`{e.request_id}`)" if e.request_id else "") for e in verdict.evidence],
        "",
        "Next steps:",
        *[f"{i}. {s}" for i, s in enumerate(verdict.next_steps, 1)],
        "",
    ]
    if verdict.alternatives:
        out += [f"Also consistent with: {', '.join(c.value for c in verdict.alternatives)}", ""]
    out += ["## Environment", "", *[f"- {k}: {v}" for k, v in versions().items()],
            f"- router: {diagnosis.inputs.router_url}", f"- Hub: {diagnosis.inputs.hub_url}",
            f"- model as configured: `{diagnosis.inputs.model}`", f"- timeout: {diagnosis.inputs.timeout:g} s", ""]
    out += ["## Token sources", ""]
    for c in diagnosis.tokens.candidates:
        problems = ", ".join(p.value for p in c.problems) or "none"
        out.append(f"- {c.source}: `{c.suffix}` ({c.length} chars), problems: {problems}"
                   + (" — **active**" if c is diagnosis.tokens.active else ""))
    out += [f"- {source}: could not be read: {why}" for source, why in diagnosis.tokens.unreadable]
    if diagnosis.sweep:
        out += ["", "## Sweep: the model pinned to every provider", "", "```", *sweep_lines(diagnosis.sweep), "```"]
    out += ["", "## Every probe", ""]
    for step in diagnosis.steps:
        out += _step_markdown(step)
    # Server text stays literal: control characters (ANSI escapes, BEL, bidi overrides) become visible
    # escapes, so `cat bundle.md` cannot recolour or retitle a terminal; newlines and tabs stay.
    return _redactor(diagnosis)(printable("\n".join(out), keep_newlines=True))


def _billing_line(bill: dict[str, Any]) -> str:
    if not bill["bill_to_tried"]:
        return f"personal (X-HF-Bill-To not tried: {bill['why_not_tried'] or 'n/a'})"
    tried = ", ".join(f"{t['org']} → {t['http_status'] or 'no answer'}" for t in bill["bill_to_tried"])
    return f"X-HF-Bill-To tried: {tried}; changed the outcome: {'yes' if bill['changed_outcome'] else 'no'}"


def _step_markdown(step: StepResult) -> list[str]:
    out = [f"### {MARKS[step.status]} {step.step_id} — {step.title}", ""]
    if step.status is StepStatus.SKIPPED:
        return out + [f"Skipped: {step.skip_reason}", ""]
    if step.note:
        out += [step.note, ""]
    exchanges = [(f"With `X-HF-Bill-To: {attempt.org}`:", attempt.exchange) for attempt in step.attempts]
    for heading, exchange in exchanges or ([("", step.exchange)] if step.exchange else []):
        if heading:
            out += [heading, ""]
        out += _exchange_markdown(exchange)
    return out


def _exchange_markdown(exchange: Exchange) -> list[str]:
    req = exchange.request
    out = [f"- started (UTC): {exchange.started_at.isoformat(timespec='milliseconds')}, "
           f"elapsed: {exchange.elapsed_ms:.0f} ms", "", "```http", f"{req.method} {req.url}",
           *[f"{k}: {v}" for k, v in req.headers]]
    if req.body:
        out += ["", req.body]
    out += ["```", ""]
    if exchange.error is not None:
        return out + [f"No HTTP answer: {exchange.error}", ""]
    res = exchange.response
    fence = "````" if "```" in res.body else "```"
    out += [fence + "http", f"{res.http_version} {res.status} {res.reason}", *[f"{k}: {v}" for k, v in res.headers], "",
            res.body.rstrip()]
    if res.truncated:
        out.append(f"[body truncated: kept {len(res.body.encode())} of {res.body_bytes}+ bytes]")
    return out + [fence, ""]


def write_private(path: Path, text: str) -> None:
    """Create or replace a file readable only by its owner: bundles describe an account."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode through os.open: tighten it before writing
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def render_bundle(diagnosis: Diagnosis, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(to_bundle_dict(diagnosis), indent=2, ensure_ascii=False) + "\n"
    return to_markdown(diagnosis)


def format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".md", ".markdown", ".txt"):
        return "md"
    raise ValueError(f"{path.name}: use a .md or .json file name for the report")
