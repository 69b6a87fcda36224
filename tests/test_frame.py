import numpy as np
import pytest

from vesselscope import Frame
from vesselscope.sources.color import frame_pixels, rgb_to_gray, to_uint8


def test_frame_accepts_grey_uint8_and_float32():
    for dtype in (np.uint8, np.float32):
        frame = Frame(np.zeros((4, 5), dtype), (0.1, 0.2), 3, 0.1, "x")
        assert frame.shape == (4, 5)


@pytest.mark.parametrize(
    "pixels, spacing, color",
    [
        (np.zeros((4, 5, 3), np.uint8), None, None),  # colour belongs in `color`
        (np.zeros((4, 5), np.int16), None, None),
        (np.zeros((4, 5), np.uint8), (0.0, 0.1), None),
        (np.zeros((4, 5), np.uint8), None, np.zeros((5, 4, 3), np.uint8)),
    ],
)
def test_frame_rejects_what_breaks_the_contract(pixels, spacing, color):
    with pytest.raises(ValueError):
        Frame(pixels, spacing, 0, 0.0, "x", color)


def test_grey_stored_as_rgb_becomes_exact_grey_without_a_colour_copy():
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5)
    pixels, color = frame_pixels(np.stack([grey] * 3, axis=-1))
    assert color is None
    assert np.array_equal(pixels, grey)


def test_colour_keeps_rgb_for_display_and_gives_luma_for_detection():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[1, 1] = (0, 0, 255)
    pixels, color = frame_pixels(rgb)
    assert color is not None and np.array_equal(color, rgb)
    assert pixels[0, 0] == 76 and pixels[1, 1] == 29  # BT.601 weights of pure red and blue
    assert np.array_equal(rgb_to_gray(rgb), pixels)


def test_to_uint8_scales_wide_integer_data_by_its_used_range():
    twelve_bit = np.array([[0, 2048, 4095]], np.uint16)
    assert to_uint8(twelve_bit).tolist() == [[0, 128, 255]]
    assert to_uint8(np.array([[0, 200]], np.uint16)).tolist() == [[0, 200]]
    assert to_uint8(np.array([[-1.0, 1.0]], np.float32)).tolist() == [[0, 255]]
