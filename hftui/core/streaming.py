"""What the user's call sent with `stream: true` came to: read to its end, and where it failed if it did.

A streamed call can fail where the same call without streaming works: a 200 whose stream carries an
error event, a provider that breaks the connection mid-stream, an answer that is not SSE at all (a
provider or proxy that ignored `stream: true`), a first token that never comes within the timeout
(a buffering proxy, a provider slow to start). `check_stream` names which, and where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hftui.core.outcomes import error_message
from hftui.core.printable import printable
from hftui.core.probes import Exchange
from hftui.core.sse import DONE, SSE_CONTENT_TYPE, StreamReading, read_stream


class StreamFailure(StrEnum):
    NO_ANSWER = "no_answer"  # no HTTP answer at all
    HTTP = "http"  # not 2xx
    NOT_SSE = "not_sse"  # 2xx, but not text/event-stream
    ERROR_EVENT = "error_event"  # 2xx, then an error event inside the stream
    CUT = "cut"  # the connection broke before [DONE]
    STALLED = "stalled"  # no (more) data within the timeout
    ENDED_EARLY = "ended_early"  # the server ended the body before [DONE] and without a finish_reason


@dataclass(frozen=True)
class StreamCheck:
    failure: StreamFailure | None
    where: str  # the failure's place, after "streamed calls fail …"; or how it went, when it worked
    reading: StreamReading = field(default_factory=StreamReading)
    content_type: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @property
    def line(self) -> str:
        """One line for the step: what the stream came to."""
        return f"streamed: fails {self.where}" if self.failed else f"streamed: {self.where}"

    def to_dict(self, exchange: Exchange | None) -> dict[str, Any]:
        reading = self.reading
        return {"failure": self.failure.value if self.failure else None, "where": self.where,
                "content_type": self.content_type, "chunks": reading.chunks, "done": reading.done,
                "finish_reason": reading.finish_reason, "error_event": reading.error,
                "cut": exchange.response.cut if exchange and exchange.response else None,
                "ttfb_ms": exchange.ttfb_ms if exchange else None, "ttft_ms": exchange.ttft_ms if exchange else None}


def check_stream(exchange: Exchange, timeout: float) -> StreamCheck:
    response = exchange.response
    if response is None:
        return StreamCheck(StreamFailure.NO_ANSWER, f"before any answer: {exchange.error}")
    content_type = response.header("content-type")
    if not exchange.ok:
        said = error_message(exchange) or f"HTTP {response.status}"
        return StreamCheck(StreamFailure.HTTP, f"at the request: {response.status} {_quote(said)}",
                           content_type=content_type)
    reading = read_stream(response.body)
    if SSE_CONTENT_TYPE not in (content_type or "").lower():
        whole = response.json is not None and '"chat.completion"' in response.body
        what = ("the whole completion as JSON: the provider or a proxy ignored stream: true" if whole
                else "a client reading server-sent events gets nothing from it")
        return StreamCheck(StreamFailure.NOT_SSE, f"at the answer's format: {response.status} with "
                           f"{_quote(content_type or 'no content-type')}, not {SSE_CONTENT_TYPE} ({what})",
                           reading, content_type)
    chunks = _chunks(reading.chunks)
    if reading.error is not None:
        return StreamCheck(StreamFailure.ERROR_EVENT, f"mid-stream: the 200 was followed by {_chunks(reading.chunks_before_error)}, "
                           f"then an error event: {_quote(reading.error)}", reading, content_type)
    if response.cut and not reading.complete:
        if "timeout" in response.cut and exchange.ttft_ms is None:
            return StreamCheck(StreamFailure.STALLED, f"at the first token: the stream opened ({response.status} after "
                               f"{_ms(exchange.ttfb_ms)}) but no token arrived within the {timeout:g} s timeout "
                               f"({chunks} before it stalled)", reading, content_type)
        failure = StreamFailure.STALLED if "timeout" in response.cut else StreamFailure.CUT
        return StreamCheck(failure, f"mid-stream: after {chunks} ({response.body_bytes:,} bytes), before {DONE}: "
                           f"{response.cut}", reading, content_type)
    if not reading.complete:
        return StreamCheck(StreamFailure.ENDED_EARLY, f"mid-stream: the stream ended after {chunks} without {DONE} "
                           f"or a finish_reason", reading, content_type)
    first = f"first token after {_ms(exchange.ttft_ms)}" if exchange.ttft_ms is not None else "no token in it"
    end = DONE if reading.done else f"finish_reason {reading.finish_reason} (no {DONE})"
    return StreamCheck(None, f"works: {first}, {chunks}, ended with {end}", reading, content_type)


def _chunks(count: int) -> str:
    return f"{count} chunk" + ("" if count == 1 else "s")


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} ms"


def _quote(text: str) -> str:
    """Server text, inert and short, in quotes."""
    return f"“{printable(text)[:200]}”"
