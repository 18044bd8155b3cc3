"""Red team: a hostile event stream for `--stream`. What an event's JSON says (an error message, a
finish_reason, a token) is decoded from its `\\u001b` escapes when the stream is read: it must come out
as inert as the body it was read from, in the table, in --json (decoded, not only as JSON text) and in
both bundles; and a stream that echoes the token in pieces or escaped leaks it nowhere."""

from __future__ import annotations

import json
import re

import pytest
from hhelpers import PLANTED, RAW_CONTROL, every_artifact
from hostile_server import json_answer, respond

SSE = [("content-type", "text/event-stream")]
# As JSON escapes inside the event: the captured body shows them as text, a JSON parse decodes them.
ESCAPED = '"\\u001b]52;c;Y3VybA==\\u0007\\u001b[2J\\r\\nFAKE \\u202e\\u009b2J [bold]x[/] :smile:"'


def streamed(*events: str, name: str = ""):
    body = "".join((f"event: {name}\n" if name else "") + f"data: {event}\n\n" for event in events).encode()

    def answer(request):
        if b'"stream": true' not in request.body:
            return json_answer({"choices": [{"message": {"content": "OK"}}]})
        return respond(200, "OK", SSE, body)
    return answer


def strings(value):
    """Every string of a decoded JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)


STREAMS = {
    "error in a data event": streamed('{"choices":[{"delta":{"content":"a"}}]}', '{"error": {"message": ' + ESCAPED + "}}"),
    "an error event": streamed('{"message": ' + ESCAPED + "}", name="error"),
    "finish_reason": streamed('{"choices":[{"delta":{"content":"a"},"finish_reason":' + ESCAPED + "}]}"),
    "token": streamed('{"choices":[{"delta":{"content":' + ESCAPED + '}}]}', "[DONE]"),
}


@pytest.mark.parametrize("stream", list(STREAMS))
def test_what_a_stream_event_says_is_inert_once_decoded(hostile, tmp_path, stream):
    server = hostile({"chat": STREAMS[stream]})
    artifacts = every_artifact(server.url, PLANTED, tmp_path, "--stream", curl=("as-configured",))
    artifacts.assert_calm()
    for name, text in artifacts.texts.items():
        assert not re.search(RAW_CONTROL, text), f"{name}: a raw control character"
    for name in ("json stdout", "bundle.json"):
        for value in strings(json.loads(artifacts.texts[name])):
            assert not re.search(RAW_CONTROL, value), f"{name}: {value!r} decodes to a control character"


def test_a_stream_that_echoes_the_token_in_pieces_and_escapes_leaks_it_nowhere(hostile, tmp_path):
    def echo(request):
        if b'"stream": true' not in request.body:
            return json_answer({"choices": [{"message": {"content": "OK"}}]})
        token = request.bearer
        chunks = [token[i:i + 6] for i in range(0, len(token), 6)]  # each piece shorter than a leak scan's
        events = [json.dumps({"choices": [{"delta": {"content": chunk}}]}) for chunk in chunks]
        events.append(json.dumps({"error": {"message": "bad " + "".join(f"\\u{ord(c):04x}" for c in token),
                                            "code": token.upper()}}))
        return respond(200, "OK", SSE, "".join(f"data: {event}\n\n" for event in events).encode())

    server = hostile({"chat": echo})
    artifacts = every_artifact(server.url, PLANTED, tmp_path, "--stream", curl=("as-configured",))
    artifacts.assert_calm()
    artifacts.assert_no_leak(PLANTED)
