"""The shipped models on the forms real people draw and MNIST barely has (issue 4):
slashed and phi zeros, the crossed seven, the one with a flag and a base, a one drawn
as a single slanted line - at thin, medium and thick pens - and things that are no
digit at all, which must land in "not sure".  Real renderer, preprocessor and model.

Issue 12 adds the forms real writers from other places draw, in their writing order
(the 1's lead-in rises from its lower-left end, zeros run counter-clockwise from the
top), and real letters and symbols the image model alone read as digits.  Every case goes
the way the app reads a drawing: rendered ink through the image model, strokes through the
trajectory model, fused (digitpad.drawing_recognizer), with the fused "not sure" threshold.
The cases that still fail are strict xfails: once a better model reads them, they fail
until the mark is removed, so the file always says what the models can do."""

from __future__ import annotations

import math

import pytest

from digitpad.drawing import Drawing, Stroke
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.preprocess import preprocess
from digitpad.render import render

WIDTHS = (8, 16, 28)


def ring(cx=140.0, cy=140.0, rx=55.0, ry=95.0, n=32) -> list[tuple[float, float, float]]:
    return [(cx + rx * math.sin(t / n * math.tau), cy - ry * math.cos(t / n * math.tau), 1.0) for t in range(n + 1)]


def line(*pts: tuple[float, float]) -> list[tuple[float, float, float]]:
    return [(float(x), float(y), 1.0) for x, y in pts]


def ring_ccw(cx=140.0, cy=140.0, rx=55.0, ry=95.0, n=32) -> list[tuple[float, float, float]]:
    """A zero as most writers draw it: from the top, counter-clockwise on the screen."""
    return [(cx - rx * math.sin(t / n * math.tau), cy - ry * math.cos(t / n * math.tau), 1.0) for t in range(n + 1)]


def arc(cx, cy, rx, a0, a1, ry=None, n=16) -> list[tuple[float, float, float]]:
    """Points from angle a0 to a1 (radians, y down: growing angles turn clockwise on the screen)."""
    ry = rx if ry is None else ry
    return [(cx + rx * math.cos(a0 + (a1 - a0) * i / n), cy + ry * math.sin(a0 + (a1 - a0) * i / n), 1.0)
            for i in range(n + 1)]


def lead_in_one(share: float, angle_deg: float, x=150.0, top=40.0, bottom=240.0):
    """A 1 in one stroke: a lead-in rising from the lower left to the top (``share`` of the
    stem's length, ``angle_deg`` above the horizontal), then down the stem."""
    length, a = share * (bottom - top), math.radians(angle_deg)
    return [line((x - length * math.cos(a), top + length * math.sin(a)), (x, top), (x, bottom))]


FORMS: dict[str, tuple[int, list[list[tuple[float, float, float]]]]] = {
    "slashed zero": (0, [ring(), line((185, 55), (95, 225))]),
    "phi zero": (0, [ring(), line((140, 20), (140, 260))]),
    "crossed seven": (7, [line((80, 50), (200, 50), (150, 140), (118, 240)), line((115, 140), (190, 140))]),
    "plain seven": (7, [line((80, 50), (200, 50), (150, 140), (118, 240))]),
    "one with flag and base": (1, [line((105, 85), (145, 40), (145, 240)), line((105, 240), (185, 240))]),
    "one with a flag": (1, [line((110, 80), (150, 40), (150, 240))]),
    "one as a slanted line": (1, [line((180, 40), (110, 240))]),
    "upright one": (1, [line((140, 40), (140, 240))]),
    "open-top four": (4, [line((120, 40), (85, 160), (195, 160)), line((170, 90), (170, 245))]),
}


# Issue 12: forms of writers and places the training data barely has, in their writing order.
WORLD_FORMS: dict[str, tuple[int, list[list[tuple[float, float, float]]]]] = {
    "one with a 40 % lead-in": (1, lead_in_one(0.4, 60)),
    "one with a 60 % lead-in": (1, lead_in_one(0.6, 30)),
    "one with a 90 % lead-in": (1, lead_in_one(0.9, 45)),
    "zero with a slash overshooting both ends": (0, [ring_ccw(rx=70, ry=80), line((230, 30), (50, 250))]),
    "small zero with a long slash up from the lower left": (0, [ring_ccw(rx=40, ry=65), line((60, 255), (225, 15))]),
    "zero with a horizontal bar": (0, [ring_ccw(), line((70, 140), (210, 140))]),
    "zero with a long horizontal bar": (0, [ring_ccw(rx=45, ry=85), line((40, 140), (240, 140))]),
    "flagged one with a wide base": (1, [line((90, 100), (140, 50), (140, 220)), line((70, 220), (210, 220))]),
    "flagged one with a long flag and a base": (1, [line((70, 150), (150, 40), (150, 240)),
                                                   line((100, 240), (200, 240))]),
    "nine with a small loop and a tail curling left": (9, [arc(150, 60, 22, 0, -math.tau, n=24)
                                                          + line((172, 120), (168, 200))
                                                          + arc(120, 200, 48, 0.0, math.pi * 1.1, n=12)[1:]]),
}

# (form, pen width) -> why the shipped models fail it.  Fixed by the trajectory model (issue 12
# step 2): the 1 with a 60 % or 90 % lead-in (was 7), the small zero with a long slash and the
# zeros with a horizontal bar (were 8 or "not sure").
WORLD_FORMS_FAILING: dict[tuple[str, int], str] = {
    **{("nine with a small loop and a tail curling left", w):
       "issue 12: a 9 with a small loop and a long curled tail is 'not sure'" for w in WIDTHS},
}


def _cases(forms: dict, failing: dict[tuple[str, int], str]) -> list:
    """(name, width) params; the known failures marked as strict xfails."""
    def marks(name: str, w: int) -> list:
        return [pytest.mark.xfail(strict=True, reason=failing[name, w])] if (name, w) in failing else []

    return [pytest.param(name, w, id=f"{name}-{w}", marks=marks(name, w)) for name in forms for w in WIDTHS]


@pytest.fixture(scope="module")
def rec() -> DrawingRecognizer:
    models = DrawingRecognizer.load()
    assert models.fused, "models/trajectory.onnx with a fusion fitted for models/digit.onnx is missing"
    return models


def probs_of(rec: DrawingRecognizer, strokes, width: float):
    """(probabilities, the "not sure" threshold of that answer), as the window reads the drawing."""
    drawing = Drawing(280, 280, [Stroke(s, width) for s in strokes])
    x = preprocess(render(drawing))
    assert x is not None
    probs, fused = rec.predict_batch(x, [drawing])
    return probs[0], rec.threshold(bool(fused[0]))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(FORMS))
def test_real_world_forms_are_read(rec, name, width):
    digit, strokes = FORMS[name]
    p, threshold = probs_of(rec, strokes, width)
    assert int(p.argmax()) == digit, f"{name} at width {width}: {p.round(3).tolist()}"
    assert float(p.max()) >= threshold, f"{name} at width {width} is 'not sure': {p.max():.3f}"


NON_DIGITS = {
    "letter X": [line((70, 50), (210, 230)), line((210, 50), (70, 230))],
    "letter M": [line((60, 230), (80, 50), (140, 170), (200, 50), (220, 230))],
    "star": [line((140, 30), (175, 240), (50, 100), (230, 100), (105, 240), (140, 30))],
    "hash": [line((110, 40), (100, 240)), line((180, 40), (170, 240)), line((60, 100), (230, 100)),
             line((50, 180), (220, 180))],
}


@pytest.mark.parametrize("name", list(NON_DIGITS))
def test_non_digits_are_not_sure(rec, name):
    p, threshold = probs_of(rec, NON_DIGITS[name], 16)
    assert float(p.max()) < threshold, f"{name}: {p.round(3).tolist()}"


@pytest.mark.parametrize(("name", "width"), _cases(WORLD_FORMS, WORLD_FORMS_FAILING))
def test_forms_of_the_world_are_read(rec, name, width):
    digit, strokes = WORLD_FORMS[name]
    p, threshold = probs_of(rec, strokes, width)
    assert int(p.argmax()) == digit, f"{name} at width {width}: {p.round(3).tolist()}"
    assert float(p.max()) >= threshold, f"{name} at width {width} is 'not sure': {p.max():.3f}"


# Real pen-drawn letters and symbols (UNIPEN) the shipped model reads as digits, in writing order.
WORLD_NON_DIGITS = {
    "greater-than": [line((90, 50), (200, 140), (90, 230))],
    "y in two strokes": [line((80, 50), (140, 140)), line((200, 50), (90, 270))],
    "cursive y": [line((70, 70), (90, 140)) + arc(125, 140, 35, math.pi, 0.0, ry=-30, n=8)[1:]
                  + line((160, 140), (170, 70), (160, 250))[1:] + arc(130, 250, 30, 0.0, math.pi * 0.9, n=8)[1:]],
    "capital U": [line((60, 40), (60, 170)) + arc(140, 170, 80, math.pi, 0.0, ry=-70, n=12)[1:]
                  + line((220, 170), (220, 40))[1:]],
    "u with a tail": [line((80, 90), (80, 190)) + arc(135, 190, 55, math.pi, 0.0, ry=-45, n=12)[1:]
                      + line((190, 190), (190, 90), (195, 240))[1:]],
    "double-storey a": [line((90, 80)) + arc(140, 100, 50, math.pi * 1.1, math.pi * 2.1, ry=40, n=10)[1:]
                        + line((190, 240)), arc(140, 190, 50, -0.1, -0.1 - math.tau * 0.9, ry=45)],
    "a with a tail": [arc(130, 165, 55, -0.3, -0.3 - math.tau, ry=65, n=24)
                      + line((185, 100), (185, 225), (205, 240))[1:]],
}
# Fixed by the fusion with the trajectory model: the cursive y (was 4 at 8 px), the u with a tail
# at 16 px, the double-storey a (was 2) and the a with a tail (was 9 at 28 px) are "not sure".
WORLD_NON_DIGITS_FAILING: dict[tuple[str, int], str] = {
    **{("greater-than", w): "issue 12: '>' is read as 7" for w in WIDTHS},
    ("u with a tail", 28): "issue 12: a u with a tail is read as 4",
    ("double-storey a", 8): "issue 12: a double-storey a at 8 px is a 2 at 0.940, just above the fused threshold "
                            "fitted on strangers (0.938; it was 'not sure' under the val writers' 0.991)",
}


@pytest.mark.parametrize(("name", "width"), _cases(WORLD_NON_DIGITS, WORLD_NON_DIGITS_FAILING))
def test_real_non_digits_are_not_sure(rec, name, width):
    p, threshold = probs_of(rec, WORLD_NON_DIGITS[name], width)
    assert float(p.max()) < threshold, f"{name} at width {width}: {p.round(3).tolist()}"
