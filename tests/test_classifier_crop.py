"""crop_candidate: the square around an ellipse, padded and resized; training and app share it."""

import numpy as np
import pytest

from vesselscope import Frame
from vesselscope.annotations import EllipseAnnotation
from vesselscope.classifier import crop_batch, crop_box, crop_candidate


def _ramp(rows: int = 80, cols: int = 100) -> np.ndarray:
    # every pixel unique, so a crop's position can be read off its values
    return (np.arange(rows * cols, dtype=np.float32).reshape(rows, cols) % 251).astype(np.uint8)


def test_box_is_the_methods_square_around_the_centre():
    # side 2r + 2m with m = max(r, margin): r = 10, margin 5 -> m = 10, side 40
    assert crop_box(EllipseAnnotation(cx=50, cy=40, a=10, b=4), margin_px=5) == (30, 20, 40)
    # a margin larger than r wins: r = 10, m = 50 -> side 120
    assert crop_box(EllipseAnnotation(cx=50, cy=40, a=4, b=10), margin_px=50) == (-10, -20, 120)


def test_crop_without_resizing_is_the_frame_window():
    pixels = _ramp()
    crop = crop_candidate(pixels, EllipseAnnotation(cx=50, cy=40, a=10, b=4), 40, margin_px=5)
    np.testing.assert_array_equal(crop, pixels[20:60, 30:70])


def test_outside_the_frame_is_black_padding():
    pixels = np.full((50, 50), 200, np.uint8)
    crop = crop_candidate(pixels, EllipseAnnotation(cx=0, cy=0, a=5, b=5), 20, margin_px=5)
    assert crop.shape == (20, 20)
    np.testing.assert_array_equal(crop[:10, :], 0)
    np.testing.assert_array_equal(crop[:, :10], 0)
    np.testing.assert_array_equal(crop[10:, 10:], 200)


def test_shrinking_averages_instead_of_sampling():
    pixels = _ramp()
    crop = crop_candidate(pixels, EllipseAnnotation(cx=50, cy=40, a=10, b=4), 20, margin_px=5)
    window = pixels[20:60, 30:70].astype(np.float32)
    means = window.reshape(20, 2, 20, 2).mean(axis=(1, 3))
    assert np.abs(crop.astype(np.float32) - means).max() <= 0.5


def test_frame_and_float_pixels_keep_their_dtype():
    frame = Frame(_ramp().astype(np.float32), (0.1, 0.1), 0, 0.0, "ramp")
    crop = crop_candidate(frame, EllipseAnnotation(cx=50, cy=40, a=10, b=4), 16)
    assert crop.dtype == np.float32 and crop.shape == (16, 16)


def test_batch_stacks_crops_in_order_and_may_be_empty():
    pixels = _ramp()
    ellipses = [EllipseAnnotation(cx=20 + 10 * i, cy=30, a=6, b=3) for i in range(3)]
    batch = crop_batch(pixels, ellipses, 24)
    assert batch.shape == (3, 24, 24)
    for i, ellipse in enumerate(ellipses):
        np.testing.assert_array_equal(batch[i], crop_candidate(pixels, ellipse, 24))
    assert crop_batch(pixels, [], 24).shape == (0, 24, 24)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        crop_candidate(np.zeros((4, 4, 3), np.uint8), EllipseAnnotation(cx=1, cy=1, a=1, b=1), 8)
    with pytest.raises(ValueError, match="crop size"):
        crop_candidate(np.zeros((4, 4), np.uint8), EllipseAnnotation(cx=1, cy=1, a=1, b=1), 0)

    class Flat:
        cx, cy, a, b = 1.0, 1.0, 0.0, float("nan")

    with pytest.raises(ValueError, match="semi-axes"):
        crop_box(Flat())
