"""Drawing format: round trip, defaults, extra fields, clear errors."""

import gzip
import json

import numpy as np
import pytest

from digitpad import drawing as dr
from digitpad.render import DEFAULT_STROKE_WIDTH, pressure_width, render


def sample() -> dr.Drawing:
    return dr.Drawing(
        width=280, height=280,
        strokes=[dr.Stroke([(100.0, 50.0, 1.0), (100.0, 230.0, 0.5)], width=20.0),
                 dr.Stroke([(80.0, 70.0, 1.0)], width=None)],
        extra={"label": 1, "writer": "me"},
    )


def test_json_round_trip(tmp_path):
    path = tmp_path / "d.json"
    dr.save(sample(), path)
    back = dr.load(path)
    assert back == sample()
    assert back.label == 1 and back.writer == "me"
    assert json.loads(path.read_text())["format"] == "digitpad-drawing"


def test_pressure_and_width_optional():
    d = dr.loads('{"format":"digitpad-drawing","version":1,"width":10,"height":20,'
                 '"strokes":[{"points":[[1,2],[3,4,0.25]]}]}')
    assert d.strokes[0].width is None
    assert d.strokes[0].points == [(1.0, 2.0, 1.0), (3.0, 4.0, 0.25)]


def test_jsonl_and_gz(tmp_path):
    lines = "\n".join(dr.dumps(sample()) for _ in range(3)) + "\n\n"
    (tmp_path / "a.jsonl").write_text(lines)
    with gzip.open(tmp_path / "a.jsonl.gz", "wt") as fh:
        fh.write(lines)
    assert len(dr.load_any(tmp_path / "a.jsonl")) == 3
    assert len(dr.load_any(tmp_path / "a.jsonl.gz")) == 3


def test_malformed_json_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(dr.dumps(sample()) + "\n" + '{"width": 5,\n')
    with pytest.raises(dr.DrawingError, match=r"bad.jsonl:2"):
        dr.load_any(path)
    single = tmp_path / "bad.json"
    single.write_text('{\n "width": 280,\n "height": oops}')
    with pytest.raises(dr.DrawingError, match=r"bad.json: line 3"):
        dr.load(single)


@pytest.mark.parametrize("text,match", [
    ('[1,2]', "JSON object"),
    ('{"format":"svg","width":1,"height":1}', "not a digitpad drawing"),
    ('{"width":0,"height":5}', "canvas width"),
    ('{"width":5,"height":5,"strokes":[{"points":[[1,"a"]]}]}', "must be a number"),
    ('{"width":5,"height":5,"strokes":[{"points":[[1,NaN]]}]}', "finite"),
    ('{"width":5,"height":5,"strokes":[{"width":-3,"points":[]}]}', "width must be"),
    ('{"width":5,"height":5,"strokes":[{"points":[[1]]}]}', r"\[x, y\]"),
    ('[' * 100000 + ']' * 100000, "nested|JSON object|invalid"),
])
def test_invalid_drawings(text, match):
    with pytest.raises(dr.DrawingError, match=match):
        dr.loads(text)


def test_missing_file_is_drawing_error(tmp_path):
    with pytest.raises(dr.DrawingError, match="nope.json: no such file"):
        dr.load(tmp_path / "nope.json")


def test_atomic_save_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "d.json"
    dr.save(sample(), path)
    before = path.read_text()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(dr.os, "replace", boom)
    with pytest.raises(OSError):
        dr.save(dr.Drawing(5, 5), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]


def test_render_known_stroke():
    d = dr.Drawing(100, 100, [dr.Stroke([(20.0, 50.0, 1.0), (80.0, 50.0, 1.0)], width=10.0)])
    img = render(d)
    assert img.shape == (100, 100) and img.dtype == np.uint8
    assert img[50, 50] == 255 and img[50, 20] == 255  # on the line, and the round cap at its end
    assert img[10, 50] == 0 and img[50, 5] == 0  # far away
    assert img[50, 13] == 0 and img[50, 17] > 0  # cap radius 5 around x = 20
    column = img[:, 50]
    assert np.count_nonzero(column >= 128) in (10, 11)  # 10 px wide, antialiased edges


def test_render_pressure_and_default_width():
    thin = dr.Drawing(100, 100, [dr.Stroke([(20.0, 50.0, 0.0), (80.0, 50.0, 0.0)], width=20.0)])
    default = dr.Drawing(100, 100, [dr.Stroke([(20.0, 50.0, 1.0), (80.0, 50.0, 1.0)])])
    ink = lambda d: int(np.count_nonzero(render(d)[:, 50] >= 128))  # noqa: E731
    assert abs(ink(thin) - pressure_width(20.0, 0.0)) <= 1
    assert abs(ink(default) - DEFAULT_STROKE_WIDTH) <= 1
    assert ink(dr.Drawing(100, 100, default.strokes)) == ink(default)


def test_render_dot():
    img = render(dr.Drawing(50, 50, [dr.Stroke([(25.0, 25.0, 1.0)], width=10.0)]))
    assert img[25, 25] == 255 and img[25, 32] == 0


def test_render_one_pressure_stroke_has_smooth_edges():
    """A densely sampled mouse stroke: one polyline, so overlapping caps leave no beads on its edges."""
    points = [(40 + 3.3 * i, 100 + 0.37 * i, 1.0) for i in range(60)]
    img = render(dr.Drawing(280, 280, [dr.Stroke(points, width=18.0)]))
    ink_per_column = img[:, 80:200].astype(np.int64).sum(axis=0)
    assert ink_per_column.std() < 5  # segment by segment this was ~42 (beads every 3 px)
    # the same shape as before: a pressure that varies still paints segment by segment
    varying = [(x, y, 1.0 if i % 2 else 0.99) for i, (x, y, _) in enumerate(points)]
    seg = render(dr.Drawing(280, 280, [dr.Stroke(varying, width=18.0)]))
    assert abs(int((seg >= 128).sum()) - int((img >= 128).sum())) < 0.02 * int((img >= 128).sum())


def test_only_hand_sized_one_pressure_strokes_paint_as_polylines():
    """Qt fills a polyline that zigzags thousands of times across the canvas many times slower
    than its segments, so hostile strokes keep the segment path (and render_cost stays an upper bound)."""
    from digitpad.render import POLYLINE_MAX_POINTS, paints_as_polyline

    def stroke(points):
        return dr.Stroke([(x, y, p) for x, y, p in points], width=18.0)

    hand = [(100 + 40 * np.cos(t), 140 + 60 * np.sin(t), 1.0) for t in np.linspace(0, 2 * np.pi, 120)]
    assert paints_as_polyline(stroke(hand), (280, 280))
    assert not paints_as_polyline(stroke(hand[:1]), (280, 280))  # a dot
    assert not paints_as_polyline(stroke([(x, y, 0.5 + 0.001 * i) for i, (x, y, _) in enumerate(hand)]), (280, 280))
    zigzag = [((i * 7.3) % 280, 0.0 if i % 2 else 280.0, 1.0) for i in range(50)]  # 14,000 px long
    assert not paints_as_polyline(stroke(zigzag), (280, 280))
    dense = [(100 + 0.01 * i, 100.0, 1.0) for i in range(POLYLINE_MAX_POINTS + 1)]
    assert not paints_as_polyline(stroke(dense), (280, 280))
    assert not paints_as_polyline(stroke([(0.0, 0.0, 1.0), (1e308, 0.0, 1.0), (-1e308, 0.0, 1.0)]), (280, 280))
    assert not paints_as_polyline(stroke([(0.0, 0.0, 1.0), (float("nan"), 0.0, 1.0)]), (280, 280))


@pytest.mark.parametrize("pressures", [(1.0, 1.0), (1.0, 1.0, 1.0, 1.0), (0.2, 0.9, 0.5)])
@pytest.mark.parametrize("width", [2.0, 10.0, 18.0, 60.0])
def test_repeated_identical_points_render_as_the_dot_of_a_single_point(pressures, width):
    """A tap recorded as a few identical points is the dot the user sees (0 ink pixels before)."""
    repeated = render(dr.Drawing(100, 100, [dr.Stroke([(50.0, 50.0, p) for p in pressures], width=width)]))
    single = render(dr.Drawing(100, 100, [dr.Stroke([(50.0, 50.0, max(pressures))], width=width)]))
    assert np.count_nonzero(single) > 0
    assert np.array_equal(repeated, single)


def test_zero_length_segment_inside_a_stroke_paints_as_a_dot():
    """paint_segment (the canvas's live painter) of p0 == p1 paints the dot, not nothing."""
    from PySide6.QtGui import QImage

    from digitpad.render import INK, begin_painter, new_ink_image, paint_segment, qimage_to_array

    image: QImage = new_ink_image(60, 60)
    painter = begin_painter(image)
    paint_segment(painter, (30.0, 30.0, 1.0), (30.0, 30.0, 1.0), 10.0, INK)
    painter.end()
    assert qimage_to_array(image)[30, 30] == 255


def _mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_file_gets_the_umask_mode(tmp_path, umask):
    """A saved drawing or export is a normal user file (0666 & ~umask), not mkstemp's 0600."""
    import os

    old = os.umask(umask)
    try:
        dr.save(sample(), tmp_path / "new.json")
        dr.atomic_write_bytes(tmp_path / "new.png", b"png")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new.json") == 0o666 & ~umask
    assert _mode(tmp_path / "new.png") == 0o666 & ~umask


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_overwriting_keeps_the_existing_mode(tmp_path, mode):
    path = tmp_path / "old.json"
    path.write_text("{}")
    path.chmod(mode)
    dr.save(sample(), path)
    assert _mode(path) == mode
    assert dr.load(path).label == 1


def test_new_mode_for_private_files(tmp_path):
    """A caller may ask for a private new file (new_mode), still kept if the file exists."""
    dr.atomic_write_bytes(tmp_path / "private", b"x", new_mode=0o600)
    assert _mode(tmp_path / "private") == 0o600
    (tmp_path / "shared").write_bytes(b"")
    (tmp_path / "shared").chmod(0o644)
    dr.atomic_write_bytes(tmp_path / "shared", b"x", new_mode=0o600)
    assert _mode(tmp_path / "shared") == 0o644
