"""A chat completion streamed as server-sent events, read: how many chunks, the first token, how it ended.

Pure parsing of what `probes` captured (no I/O). The shapes are the real ones (the recorded streams
of together, cerebras, fireworks-ai, hf-inference, novita…): `data: {chat.completion.chunk}` events
separated by a blank line, content in `choices[0].delta.content` (gpt-oss models may spend their
few tokens in `delta.reasoning` / `reasoning_content`), a chunk with `finish_reason`, then
`data: [DONE]`. Some providers end after the finish_reason chunk without `[DONE]` (cerebras does):
that stream is complete. An error inside a stream comes as `data: {"error": …}` or `event: error`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hftui.core.printable import printable_tree

DONE = "[DONE]"
SSE_CONTENT_TYPE = "text/event-stream"
_TOKEN_FIELDS = ("content", "reasoning", "reasoning_content")


@dataclass(frozen=True)
class Event:
    name: str  # "message" unless an `event:` line names it
    data: str
    end: int  # offset just past the blank line that ends it, in the text parsed


def events(text: str) -> list[Event]:
    """The events of an SSE body, as the spec reads them: `event:` and `data:` lines up to a blank line
    (data lines joined by \\n), comments (`:`) ignored. An event not ended by a blank line (a stream
    cut in the middle of one) is not an event."""
    found: list[Event] = []
    name, data, offset = "message", [], 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        stripped = line.rstrip("\r\n")
        if not stripped:
            if data:
                found.append(Event(name, "\n".join(data), offset))
            name, data = "message", []
            continue
        field, _, value = stripped.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value or "message"
    return found


@dataclass(frozen=True)
class StreamReading:
    """What a streamed answer's body says, whatever its status."""

    chunks: int = 0  # data events before [DONE]
    text: str = ""  # the tokens received (content, else reasoning), joined
    first_token_end: int | None = None  # offset just past the first event carrying a token
    finish_reason: str | None = None
    done: bool = False  # `data: [DONE]` arrived
    error: str | None = None  # the message of an error event
    chunks_before_error: int = 0

    @property
    def complete(self) -> bool:
        """It ended as a stream ends: [DONE], or a finish_reason (cerebras sends no [DONE])."""
        return self.error is None and (self.done or self.finish_reason is not None)


def read_stream(text: str) -> StreamReading:
    chunks, pieces, first_end, finish, done, error, before = 0, [], None, None, False, None, 0
    for event in events(text):
        if event.data.strip() == DONE:
            done = True
            break
        payload = _json(event.data)
        said = error_of(event, payload)
        if said is not None:
            error, before = said, chunks
            break
        chunks += 1
        for choice in (payload.get("choices") or []) if isinstance(payload, dict) else []:
            if not isinstance(choice, dict):
                continue
            token = _token(choice.get("delta"))
            if token:
                pieces.append(token)
                first_end = event.end if first_end is None else first_end
            if isinstance(choice.get("finish_reason"), str):
                finish = choice["finish_reason"]
    return StreamReading(chunks, "".join(pieces)[:200], first_end, finish, done, error, before)


def error_of(event: Event, payload: Any) -> str | None:
    """An error event's message: `event: error`, or a data object with an `error` (OpenAI or HF form)."""
    if event.name == "error":
        return _message(payload) or event.data.strip()[:300] or "an error event without a message"
    if isinstance(payload, dict) and payload.get("error"):
        return _message(payload) or "an error event without a message"
    return None


def _message(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    error = payload.get("error", payload)
    if isinstance(error, dict):
        error = error.get("message") or error.get("code") or error.get("type")
    if isinstance(error, str) and error:
        return error[:300]
    return json.dumps(error)[:300] if error else None


def _token(delta: Any) -> str | None:
    if not isinstance(delta, dict):
        return None
    return next((delta[name] for name in _TOKEN_FIELDS if isinstance(delta.get(name), str) and delta[name]), None)


def _json(data: str) -> Any:
    """An event's JSON, every string in it made printable: the body was, but its `\\u001b` escapes decode here."""
    try:
        return printable_tree(json.loads(data))
    except (ValueError, RecursionError):
        return None


def first_token_offset(raw: bytes) -> int | None:
    """The byte offset just past the first event carrying a token, in the raw body: what the time to
    first token is read against (probes records when each byte arrived)."""
    text = raw.decode("utf-8", errors="replace")
    end = read_stream(text).first_token_end
    return None if end is None else len(text[:end].encode("utf-8", errors="replace"))
