"""No screenshot or snapshot ever shows a scenario's token: not whole, not in part (9+ characters)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from helpers import pieces

from hftui.sim import SCENARIOS, sim_token
from hftui.sim.schema import clean_token

ROOT = Path(__file__).resolve().parents[2]
IMAGES = sorted([*ROOT.glob("screenshots/*.svg"), *Path(__file__).parent.glob("__snapshots__/**/*.raw"),
                 *Path(__file__).parent.glob("__snapshots__/**/*.svg")])


def secrets() -> set[str]:
    """The part after hf_ of every token a scenario holds or accepts (and the extra ones the sim mints)."""
    values = {sim_token(name) for name in ("token-invalid-old", "token-invalid-new")}
    for scenario in SCENARIOS.values():
        if scenario.client_token:
            values.add(clean_token(scenario.client_token))
        values.update(scenario.valid_tokens or ())
    return {value.removeprefix("hf_") for value in values if value}


def visible_text(svg: str) -> str:
    """The characters an SVG draws, in order: a token split across styled runs is still caught."""
    return html.unescape("".join(re.findall(r">([^<]*)<", svg))).replace("\xa0", " ")


def test_there_are_images_to_check():
    assert any(p.parent.name == "screenshots" for p in IMAGES), "run python scripts/screenshots.py"
    assert any("__snapshots__" in p.parts for p in IMAGES), "run the snapshot tests with --snapshot-update"


@pytest.mark.parametrize("image", IMAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_image_holds_no_token(image):
    raw = image.read_text(encoding="utf-8")
    texts = (raw, visible_text(raw), visible_text(raw).replace(" ", ""))
    for secret in secrets():
        for piece in pieces(secret):
            assert not any(piece in text for text in texts), f"{image.name} shows a {len(piece)}-character part of a token"


def test_the_check_would_catch_a_leak():
    secret = next(iter(secrets()))
    svg = f'<svg><text>…{secret[:5]}</text><text class="x">{secret[5:12]}</text></svg>'
    assert any(piece in visible_text(svg) for piece in pieces(secret))
