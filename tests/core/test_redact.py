"""Redaction in every form a secret comes back in, and masks that never show too much of a short one."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftui.core.printable import is_printable, printable
from hftui.core.redact import Redactor, mask

TOKEN = "hf_RedactMeQ7w2e9r4t6y8u1i3o5p0aZsXdCf"
PIECE = 9  # what the leak scans look for


def pieces_of(secret: str, text: str) -> list[str]:
    lowered = text.lower()
    return [secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1) if secret[i:i + PIECE].lower() in lowered]


FORMS = {
    "raw": lambda t: t,
    "httpx's refusal": lambda t: f"Illegal header value b'Bearer {t[:10]}\\n{t[10:]}'",
    "split by CR": lambda t: t[:7] + "\r" + t[7:],
    "split by NUL escape": lambda t: t[:20] + "\\x00" + t[20:],
    "split by VT": lambda t: t[:4] + "\v" + t[4:],
    "JSON \\u": lambda t: "".join(f"\\u{ord(c):04x}" for c in t),
    "JSON \\u, escaped again": lambda t: "".join(f"\\\\u{ord(c):04X}" for c in t),
    "\\x": lambda t: "".join(f"\\x{ord(c):02x}" for c in t),
    "percent": lambda t: "".join(f"%{ord(c):02X}" for c in t),
    "percent, twice": lambda t: quote(quote(t, safe=""), safe="").replace("_", "%255F"),
    "HTML references": lambda t: "".join(f"&#{ord(c)};" for c in t),
    "upper-cased": str.upper,
    "zero-width spaces": lambda t: "\u200b".join(t),
    "first 20": lambda t: t[:20],
    "last 14": lambda t: t[-14:],
    "middle 12": lambda t: t[11:23],
}


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_of_the_secret_is_masked(form):
    text = f"before {FORMS[form](TOKEN)} after"
    redacted = Redactor([TOKEN])(text)
    assert not pieces_of(TOKEN, redacted), redacted
    assert redacted.startswith("before ") and redacted.endswith(" after"), "only the secret goes"


def test_a_masked_secret_keeps_its_last_8_and_redaction_is_idempotent():
    redactor = Redactor([TOKEN])
    once = redactor(f"token={TOKEN}; again {TOKEN.upper()}")
    assert once == f"token=…{TOKEN[-8:]}; again …{TOKEN[-8:]}"
    assert redactor(once) == once


def test_header_names_and_values_are_redacted_and_printable():
    headers = Redactor([TOKEN]).headers([(TOKEN, "1"), ("x-echo", f"\x1b]0;{TOKEN}\x07"), ("Authorization", "x")])
    assert not pieces_of(TOKEN, json.dumps(headers)) and all(is_printable(n + v) for n, v in headers)


@pytest.mark.parametrize(("secret", "shown"), [("abcdefgh", "……"), ("abcdefghi", "…i"), ("abcdefghijkl", "…ijkl"),
                                               ("abcdefghijklmno", "…lmno"), ("abcdefghijklmnop", "…ijklmnop"),
                                               ("sk-x", "……")])
def test_a_short_secret_shows_at_most_4_characters(secret, shown):
    assert mask(secret) == shown


def test_a_short_pasted_secret_is_still_found_in_text():
    assert Redactor(["s3cr3tKey"])("it said s3cr3tKey back") == "it said …y back"


def test_a_secret_with_control_characters_is_masked_printably():
    assert is_printable(mask("hf_abcdefghijklmnopq\x1b[2J")) and is_printable(mask("sk-\u202eabcdefghijklmnop"))


def test_the_wrapping_of_a_raw_token_is_not_a_secret():
    from hftui.core.tokens import TokenCandidate

    redactor = Redactor()
    redactor.add_token(TokenCandidate("env:HF_TOKEN", f"Bearer {TOKEN}"))
    assert redactor("send 'Authorization: Bearer hf_…' and more") == "send 'Authorization: Bearer hf_…' and more"
    assert not pieces_of(TOKEN, redactor(f"Bearer {TOKEN}"))


TOKEN_BODY = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=30, max_size=40).filter(
    lambda body: len(set(body)) > 12)  # a token is random: no long runs of one character
IN_THE_TOKEN = st.sampled_from(["\n", "\r", "\r\n", "\v", "\t", "\x00", "\x1b", "\u2028", "\u200b"])
FROM_THE_SERVER = st.sampled_from(["\\n", "\\r\\n", "\\x00", "\\u000a", "%0A", "%0d%0a", "&#10;", "\\u2028"])


def leaked_outside(token: str, redacted: str, *context: str) -> list[str]:
    """Pieces of the token in `redacted` that are not just there in the text around it by chance."""
    around = " ".join([*context, mask(token) + context[-1]]).lower()
    return [piece for piece in pieces_of(token, redacted) if piece.lower() not in around]


@settings(max_examples=300, deadline=None)
@given(TOKEN_BODY, st.integers(0, 40), IN_THE_TOKEN, st.sampled_from(list(FORMS)[:13]), st.text(max_size=20),
       st.text(max_size=20))
def test_a_token_broken_by_any_control_character_is_masked_in_any_form(body, at, control, form, left, right):
    token = "hf_" + body
    broken = token[:at] + control + token[at:]
    redacted = Redactor([broken])(left + " " + FORMS[form](broken) + " " + right)
    assert not leaked_outside(token, redacted, left, right), redacted


@settings(max_examples=300, deadline=None)
@given(TOKEN_BODY, st.integers(0, 40), FROM_THE_SERVER, st.sampled_from(list(FORMS)[:13]), st.text(max_size=20),
       st.text(max_size=20))
def test_an_echo_broken_by_any_escape_the_server_inserts_is_masked(body, at, escape, form, left, right):
    token = "hf_" + body
    echoed = FORMS[form](token)
    cut = min(at * len(echoed) // max(len(token), 1), len(echoed))
    redacted = Redactor([token])(left + " " + echoed[:cut] + escape + echoed[cut:] + " " + right)
    assert not leaked_outside(token, redacted, left, right), redacted


def catalog(*extra: str) -> dict:
    """A catalog-sized JSON value (~20,000 strings) with `extra` strings deep inside it."""
    models = [{"id": f"org-{n}/model-{n}", "object": "model", "owned_by": f"org-{n}",
               "providers": [{"provider": p, "status": "live", "pricing": {"input": 0.1, "output": 0.2}}
                             for p in ("together", "novita", "groq")]} for n in range(1300)]
    models[777]["providers"][1]["note"] = list(extra)
    return {"object": "list", "data": models}


def test_a_tree_with_nothing_to_clean_is_kept_as_it_is():
    redactor = Redactor()
    redactor.add(TOKEN)
    value = catalog("a plain note")
    assert redactor.tree(value) is value, "one look at the whole: no copy of a clean catalog"


@pytest.mark.parametrize("form", ["raw", "split by CR", "upper-cased", "zero-width spaces", "middle 12"])
def test_one_string_deep_in_a_large_tree_is_still_redacted_and_made_printable(form):
    redactor = Redactor()
    redactor.add(TOKEN)
    value = catalog("fine", f"echo {FORMS[form](TOKEN)}", "\x1b[31mred")
    cleaned = redactor.tree(value)
    text = json.dumps(cleaned)
    assert not pieces_of(TOKEN[3:], text), form
    assert cleaned["data"][777]["providers"][1]["note"][2] == printable("\x1b[31mred")
    assert cleaned["data"][0] == value["data"][0], "the other strings are unchanged"
