"""Calipers in millimetres and the ground-truth annotation tool of the viewer."""

from __future__ import annotations

import math

import pytest
from PyQt6.QtCore import Qt

from tests.test_gui_support import drag, make_window, open_and_wait, wait_for_frame, write_test_cine
from vesselscope.annotations import load_annotations
from vesselscope.gui.annotation_items import AnnotationItem
from vesselscope.gui.calipers import Caliper, caliper_names
from vesselscope.gui.hud import hud_lines
from vesselscope.gui.overlay_items import LabelItem


def test_caliper_readings_follow_row_and_column_spacing():
    spacing = (0.2, 0.1)  # rows 0.2 mm, columns 0.1 mm
    down = Caliper("distance", (10, 10), (10, 40), 0, spacing)
    across = Caliper("distance", (10, 10), (40, 10), 0, spacing)
    assert down.length == pytest.approx(6.0) and across.length == pytest.approx(3.0)
    assert down.describe() == "6.00 mm"
    box = Caliper("ellipse", (0, 0), (40, 20), 0, spacing)
    assert box.diameters == pytest.approx((4.0, 4.0))
    assert box.area == pytest.approx(math.pi * 4.0)  # a 4 mm circle
    assert box.circumference == pytest.approx(math.pi * 4.0)
    assert Caliper("distance", (0, 0), (3, 4), 0, None).describe() == "5.00 px"
    assert caliper_names([down, box, across]) == ["D1", "E1", "D2"]
    with pytest.raises(ValueError, match="kind"):
        Caliper("angle", (0, 0), (1, 1), 0, None)


def test_calipers_measured_with_the_mouse_on_non_square_pixels(qtbot, tmp_path):
    cine = write_test_cine(tmp_path, spacing=(0.2, 0.1))
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    rect = window.view.image.sceneBoundingRect()  # 64 columns x 0.1, 48 rows x 0.2
    assert (rect.width(), rect.height()) == pytest.approx((6.4, 9.6))
    window.actions["tool_distance"].trigger()
    assert window.tabs.currentWidget() is window.caliper_panel
    drag(window.view, (10, 5), (10, 35))  # 30 rows
    window.actions["tool_ellipse"].trigger()
    drag(window.view, (20, 10), (60, 30))  # 40 x 20 px: a 4 mm circle on screen
    calipers = window.state.calipers
    assert [c.kind for c in calipers] == ["distance", "ellipse"]
    assert calipers[0].length == pytest.approx(6.0, abs=1e-6)
    assert calipers[1].diameters == pytest.approx((4.0, 4.0), abs=1e-6)
    rows = [window.caliper_panel.list.item(i).text() for i in range(2)]
    assert rows[0].startswith("D1  6.00 mm") and rows[1].startswith("E1  4.00 × 4.00 mm")
    assert len(window.view.calipers.childItems()) > 0
    window.caliper_panel.list.setCurrentRow(0)
    window.actions["delete"].trigger()
    assert [c.kind for c in window.state.calipers] == ["ellipse"]
    window.actions["clear_calipers"].trigger()
    assert window.state.calipers == [] and window.caliper_panel.list.count() == 0


def test_a_caliper_is_drawn_on_the_frame_it_measured_only(qtbot, tmp_path):
    """Played on, a caliper drawn over other frames read a size of what was no longer under
    it (QA: "E1 8.91 x 8.91 mm" over tissue beside the artery, which had moved)."""
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    window.actions["tool_distance"].trigger()
    drag(window.view, (10, 5), (10, 35))
    assert window.state.calipers[0].frame_index == 0 and window.view.calipers.childItems()
    window.actions["step_forward"].trigger()
    wait_for_frame(qtbot, window, 1)
    assert not window.view.calipers.childItems()  # listed in the panel, with its frame
    assert window.caliper_panel.list.item(0).text().endswith("(frame 1)")
    window.actions["step_back"].trigger()
    wait_for_frame(qtbot, window, 0)
    assert window.view.calipers.childItems()


def test_a_caliper_dragged_past_the_image_ends_at_its_edge(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))  # 64 x 48 pixels
    window.actions["tool_distance"].trigger()
    drag(window.view, (10, 20), (90, 20))  # 26 pixels past the right edge
    (caliper,) = window.state.calipers
    assert caliper.end == (63.0, 20.0) and caliper.length == pytest.approx(53 * 0.5)


def test_a_reading_near_the_right_edge_stays_over_the_image_clear_of_the_depth_ruler(
    qtbot, tmp_path
):
    """The distance reading sat right of the line's middle, over the ruler's numbers beside
    the image when the line was near its right edge."""
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))  # 64 x 48 pixels
    view = window.view
    window.actions["tool_distance"].trigger()
    drag(view, (58, 5), (58, 40))
    drag(view, (6, 5), (6, 40))
    image = view.mapFromScene(view.image.sceneBoundingRect()).boundingRect()
    labels = [i for i in view.calipers.childItems() if isinstance(i, LabelItem)]
    boxes = [i.deviceTransform(view.viewportTransform()).mapRect(i.boundingRect()) for i in labels]
    assert len(boxes) == 2
    for box in boxes:
        assert image.left() <= box.left() and box.right() <= image.right()


def test_measuring_a_live_stream_freezes_it(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.open_path("fakelive://1000")
    qtbot.waitUntil(lambda: window.state.frame is not None, timeout=5000)
    window.actions["tool_distance"].trigger()
    drag(window.view, (10, 5), (10, 35))
    assert window.state.frozen
    (caliper,) = window.state.calipers
    assert caliper.frame_index == window.state.frame.index and window.view.calipers.childItems()
    # the panel and the image number the frame alike (QA: "frame 95" listed, "frame 94" shown)
    number = f"frame {caliper.frame_index + 1}"
    assert window.caliper_panel.list.item(0).text().endswith(f"({number})")
    assert hud_lines(window.state)[1].endswith(number)


def test_pan_drag_and_zoom_do_not_measure(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    view = window.view
    before = view.transform().m11()
    view.zoom(2.0)
    assert view.transform().m11() == pytest.approx(before * 2)
    drag(view, (10, 10), (30, 30))  # the pan tool: a drag moves the image
    drag(view, (10, 10), (30, 30), Qt.MouseButton.MiddleButton)
    assert window.state.calipers == []
    window.actions["fit"].trigger()
    assert view.transform().m11() == pytest.approx(before)


def test_annotate_label_move_resize_copy_save_and_reload(qtbot, tmp_path):
    cine = write_test_cine(tmp_path)
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    s = window.state
    window.actions["tool_annotate"].trigger()
    drag(window.view, (10, 10), (30, 20))  # a box 20 x 10 px
    (ellipse,) = s.annotations.vessels(0)
    assert (ellipse.cx, ellipse.cy, ellipse.a, ellipse.b) == pytest.approx((20, 15, 10, 5))
    assert ellipse.label == "artery" and ellipse.track == 1 and s.selection == 0
    window.actions["label_vein"].trigger()
    assert s.annotations.vessels(0)[0].label == "vein" and s.annotation_label == "vein"
    drag(window.view, (20, 15), (25, 18))  # drag the ellipse itself: it moves
    moved = s.annotations.vessels(0)[0]
    # Qt moves items by whole screen pixels: within a tenth of a frame pixel here.
    assert (moved.cx, moved.cy, moved.a) == pytest.approx((25, 18, 10), abs=0.1)
    # The round handle, at the end of axis a, dragged to 12 px straight below the centre.
    drag(window.view, (moved.cx + 10, moved.cy), (moved.cx, moved.cy + 12))
    turned = s.annotations.vessels(0)[0]
    assert (turned.a, turned.angle_deg, turned.b) == pytest.approx((12, 90, 5), abs=0.1)
    # The square handle, at the end of axis b, now 5 px left of the centre: pulled out to 7.
    drag(window.view, (turned.cx - 5, turned.cy), (turned.cx - 7, turned.cy + 1))
    assert s.annotations.vessels(0)[0].b == pytest.approx(7, abs=0.1)
    assert "vein" in window.annotation_panel.list.item(0).text()
    window.actions["copy_next"].trigger()
    wait_for_frame(qtbot, window, 1)
    assert s.annotations.vessels(1) == s.annotations.vessels(0)
    window.actions["label_artery"].trigger()  # relabels the selected copy only
    assert [e.label for e in (s.annotations.vessels(0)[0], s.annotations.vessels(1)[0])] == [
        "vein",
        "artery",
    ]
    target = tmp_path / "cine.truth.json"
    window.files.save_annotations_to(str(target))
    qtbot.waitUntil(target.exists, timeout=5000)
    saved = load_annotations(target)
    assert saved.spacing_mm == (0.5, 0.5) and saved.source == "cine.mha"
    assert sorted(saved.frames) == [0, 1] and saved.vessels(1)[0].label == "artery"
    window.actions["delete"].trigger()
    assert s.annotations.vessels(1) == [] and 1 in s.annotations.frames  # annotated: none
    window.files.load_annotations_from(str(target))
    qtbot.waitUntil(lambda: s.annotations.vessels(1) != [], timeout=5000)
    assert s.annotations.vessels(1)[0].label == "artery"
    assert len([i for i in window.view.annotations.childItems() if isinstance(i, AnnotationItem)])
    other = tmp_path / "other.truth.json"
    other.write_text(target.read_text().replace('"cine.mha"', '"other.mha"'))
    window.files.load_annotations_from(str(other))  # another recording's: loaded, and said
    qtbot.waitUntil(
        lambda: "annotate other.mha, not cine.mha" in window.status.message.text(), timeout=5000
    )
    window.files.load_annotations_from(str(tmp_path / "missing.json"))
    qtbot.waitUntil(lambda: "missing.json" in s.error, timeout=5000)


def test_a_click_selects_the_ellipse_the_keys_act_on_and_a_copy_keeps_what_is_there(
    qtbot, tmp_path
):
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    s = window.state
    window.actions["tool_annotate"].trigger()
    drag(window.view, (5, 5), (15, 15))  # ellipse 0, track 1
    drag(window.view, (30, 20), (44, 30))  # ellipse 1, track 2: selected as just drawn
    assert s.selection == 1
    drag(window.view, (10, 10), (10, 10))  # a click on ellipse 0
    qtbot.waitUntil(lambda: s.selection == 0, timeout=2000)
    window.actions["label_vein"].trigger()
    assert [e.label for e in s.annotations.vessels(0)] == ["vein", "artery"]
    window.actions["step_forward"].trigger()
    wait_for_frame(qtbot, window, 1)
    drag(window.view, (30, 20), (50, 34))  # frame 1: track 3, drawn there
    window.actions["step_back"].trigger()
    wait_for_frame(qtbot, window, 0)
    s.selection = None
    window.actions["copy_next"].trigger()
    wait_for_frame(qtbot, window, 1)
    # the drawn ellipse stays; the two tracks it lacked are copied beside it
    assert [e.track for e in s.annotations.vessels(1)] == [3, 1, 2]


def test_errors_a_user_can_fix_read_plainly_and_bugs_show_their_type():
    from vesselscope.classifier import ModelCardError
    from vesselscope.errors import SourceError
    from vesselscope.gui.reporting import describe_error
    from vesselscope.opencl_device import NoOpenCLDevice

    for plain in (
        SourceError("/data/cine.mha", "truncated header"),
        ModelCardError("/m/model.card.json: sha256 does not match"),
        NoOpenCLDevice("no OpenCL GPU device (found: cpu)"),
        FileNotFoundError("vessel classifier model not found: /m/x.onnx"),
    ):
        assert describe_error(plain) == str(plain)
    assert describe_error(KeyError("frame")) == "KeyError: 'frame'"


def test_unsaved_annotations_are_not_discarded_without_asking(qtbot, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QMessageBox

    asked = []

    def answer(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    files = window.files
    assert files.may_discard_annotations("Opening another recording")  # nothing drawn yet
    window.actions["tool_annotate"].trigger()
    drag(window.view, (5, 5), (15, 15))
    assert not files.may_discard_annotations("Opening another recording")  # the user said no
    assert "not saved. Opening another recording discards them" in asked[-1]
    window.actions["quit"].trigger()  # File > Quit, Ctrl+Q: asked too, and the user said no
    assert window.isVisible() and "Quitting discards them" in asked[-1]
    files.save_annotations_to(str(tmp_path / "t.json"))
    qtbot.waitUntil(lambda: not files.unsaved_annotations(), timeout=5000)
    assert files.may_discard_annotations("Opening another recording") and len(asked) == 2
    window.actions["undo"].trigger()  # the ellipse saved in t.json is gone from the screen
    assert files.unsaved_annotations()


def test_the_spacing_dialog_reads_one_value_or_rows_by_columns_in_full():
    from vesselscope.gui.file_actions import parse_spacing, spacing_text

    assert parse_spacing("0.075") == 0.075
    assert parse_spacing("0.1 x 0.05") == (0.1, 0.05) == parse_spacing("0.1,0.05")
    assert spacing_text((0.068359375, 0.068359375)) == "0.068359375"
    assert spacing_text((0.1, 0.05)) == "0.1 x 0.05"
    for bad in ("", "abc", "0.1 x 0.05 x 1", "0", "1000"):
        with pytest.raises(ValueError, match="one or two"):
            parse_spacing(bad)


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_file_pixel_spacing_takes_rows_by_columns(qtbot, tmp_path, monkeypatch):
    import cv2
    import numpy as np
    from PyQt6.QtWidgets import QInputDialog

    folder = tmp_path / "stills"
    folder.mkdir()
    cv2.imwrite(str(folder / "0001.png"), np.full((40, 60), 90, np.uint8))
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, folder)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("0.1 x 0.05", True))
    window.files.spacing_dialog()
    qtbot.waitUntil(
        lambda: window.state.frame is not None and window.state.frame.spacing_mm == (0.1, 0.05),
        timeout=5000,
    )


def test_annotation_edits_undo_and_redo_on_the_frame_they_were_made(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    s = window.state
    window.actions["tool_annotate"].trigger()
    assert window.tabs.currentWidget() is window.annotation_panel  # the tool's panel comes up
    window.actions["copy_next"].trigger()
    assert window.status.message.text() == "Nothing to copy: this frame has no ellipses"
    drag(window.view, (10, 10), (30, 20))  # drawn
    drag(window.view, (20, 15), (25, 18))  # moved
    window.actions["label_vein"].trigger()  # relabelled
    window.actions["copy_next"].trigger()  # copied onto frame 1, which is then shown
    wait_for_frame(qtbot, window, 1)
    window.actions["delete"].trigger()  # deleted there
    assert s.annotations.vessels(1) == [] and 1 in s.annotations.frames
    assert window.annotation_panel.summary.text() == "1 ellipse on 2 annotated frames"
    window.actions["undo"].trigger()  # the deletion
    assert [e.label for e in s.annotations.vessels(1)] == ["vein"]
    window.actions["undo"].trigger()  # the copy: frame 1 was never annotated
    assert 1 not in s.annotations.frames
    window.actions["undo"].trigger()  # the label, on frame 0: shown again
    wait_for_frame(qtbot, window, 0)
    assert "Undid: labelled vein (frame 1)" in window.status.message.text()
    (ellipse,) = s.annotations.vessels(0)
    assert ellipse.label == "artery" and (ellipse.cx, ellipse.cy) == pytest.approx(
        (25, 18), abs=0.1
    )
    window.actions["undo"].trigger()  # the move
    assert "Undid: moved an ellipse (frame 1)" in window.status.message.text()
    assert (s.annotations.vessels(0)[0].cx, s.annotations.vessels(0)[0].cy) == (20, 15)
    window.actions["undo"].trigger()  # the drawing
    assert 0 not in s.annotations.frames and not window.files.unsaved_annotations()
    assert not window.actions["undo"].isEnabled()  # nothing left to undo
    window.actions["redo"].trigger()
    window.actions["redo"].trigger()
    assert (s.annotations.vessels(0)[0].cx, s.annotations.vessels(0)[0].cy) == pytest.approx(
        (25, 18), abs=0.1
    )
    assert window.actions["redo"].isEnabled()
    drag(window.view, (2, 40), (12, 46))  # a new edit: what was undone can no longer be redone
    assert not window.actions["redo"].isEnabled()
    # the new one takes the label last chosen (vein): choosing a label is no edit to undo
    assert [e.label for e in s.annotations.vessels(0)] == ["artery", "vein"]
    drag(window.view, (35, 18), (35, 18))  # a click on the round handle: no edit to undo
    items = [i for i in window.view.annotations.childItems() if isinstance(i, AnnotationItem)]
    shown = next(i.ellipse for i in items if i.number == 0)
    assert shown == s.annotations.vessels(0)[0]  # nor one shown that is not stored
    window.actions["undo"].trigger()
    assert "Undid: drew an ellipse" in window.status.message.text()
    window.actions["tool_distance"].trigger()  # measuring: Ctrl+Z is not for annotations
    assert not window.actions["undo"].isEnabled() and not window.actions["redo"].isEnabled()
    window.actions["tool_annotate"].trigger()
    assert window.actions["undo"].isEnabled()


def test_an_undo_never_reaches_into_annotations_loaded_since():
    from vesselscope.annotations import Annotations, EllipseAnnotation
    from vesselscope.gui.annotation_history import AnnotationHistory

    history, first = AnnotationHistory(), Annotations()
    ellipse = EllipseAnnotation(5, 5, 3, 2, 0.0)
    history.record(first, 0, [ellipse], "drew an ellipse")
    first.frames[0] = [ellipse]
    loaded = Annotations(frames={3: [ellipse]})
    assert history.undo(loaded) is None and loaded.frames == {3: [ellipse]}
    assert history.undo(first) is None  # that history was dropped with the load
    assert first.frames == {0: [ellipse]}
