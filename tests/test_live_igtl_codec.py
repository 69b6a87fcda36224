"""OpenIGTLink framing and IMAGE bodies, checked against pyigtl both ways and fuzzed."""

import contextlib
import struct
import time

import numpy as np
import pyigtl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vesselscope.live.igtl_header import (
    HEADER_SIZE,
    ProtocolError,
    content_of,
    crc64,
    pack_message,
    parse_header,
)
from vesselscope.live.igtl_image import decode_image, encode_image


def _split(message: bytes):
    header = parse_header(message[:HEADER_SIZE])
    body = message[HEADER_SIZE:]
    assert header.body_size == len(body)
    return header, body


def _pyigtl_image(pixels, matrix, version=1):
    message = pyigtl.ImageMessage(
        pixels, ijk_to_world_matrix=matrix, device_name="Probe", timestamp=1_700_000_000.25
    )
    message.header_version = version
    if version == 2:
        message.metadata = {"Scanner": "test", "Depth": "40mm"}
    return message.pack()


@pytest.mark.parametrize("version", [1, 2])
def test_decodes_pyigtl_images_with_spacing_flip_and_timestamp(version):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (1, 12, 16), dtype=np.uint8)  # k, j, i
    matrix = np.diag([-0.2, 0.3, 1.0, 1.0])
    header, body = _split(_pyigtl_image(pixels, matrix, version))
    assert (header.type, header.device, header.version) == ("IMAGE", "Probe", version)
    assert header.timestamp_s == pytest.approx(1_700_000_000.25, abs=1e-6)
    assert header.crc == crc64(body)
    image = decode_image(content_of(header, body))
    assert np.array_equal(image.pixels, pixels[0]) and image.color is None
    assert image.geometry.spacing_mm == pytest.approx((0.3, 0.2))
    assert image.geometry.flipped == (False, True)  # columns run against +x


def test_spacing_is_the_column_norm_of_a_rotated_matrix():
    angle = np.radians(30)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = np.eye(4)
    matrix[:2, :2] = rotation @ np.diag([0.15, 0.4])  # a tracked probe, turned
    header, body = _split(_pyigtl_image(np.zeros((1, 4, 5), np.uint8), matrix))
    geometry = decode_image(content_of(header, body)).geometry
    assert geometry.spacing_mm == pytest.approx((0.4, 0.15), rel=1e-6)
    assert np.allclose(geometry.axes[:2, 0], rotation[:, 0], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint16, np.int16, np.float32])
def test_other_scalar_types_become_float32(dtype):
    pixels = np.arange(20, dtype=dtype).reshape(1, 4, 5)
    header, body = _split(_pyigtl_image(pixels, np.eye(4)))
    image = decode_image(content_of(header, body))
    assert image.pixels.dtype == np.float32
    assert np.array_equal(image.pixels, np.arange(20).reshape(4, 5))


def test_big_endian_pixels():
    pixels = np.arange(20, dtype=np.uint16).reshape(1, 4, 5)
    body = bytearray(_split(_pyigtl_image(pixels, np.eye(4)))[1])
    body[4] = 1  # endianness: big
    body[72:] = pixels.astype(">u2").tobytes()
    assert np.array_equal(decode_image(bytes(body)).pixels, pixels[0])


def test_colour_images_keep_colour_for_display():
    rgb = np.zeros((1, 4, 5, 3), np.uint8)
    rgb[..., 0] = 200  # red: real colour, not grey stored as RGB
    header, body = _split(_pyigtl_image(rgb, np.eye(4)))
    image = decode_image(content_of(header, body))
    assert image.pixels.shape == (4, 5) and image.color.shape == (4, 5, 3)


def test_our_encoding_decodes_in_pyigtl():
    pixels = np.arange(48, dtype=np.uint8).reshape(6, 8)
    message = pack_message("IMAGE", "Image", 1_700_000_000.5, encode_image(pixels, (0.3, 0.2)))
    header = pyigtl.MessageBase.parse_header(message[:HEADER_SIZE])
    decoded = pyigtl.MessageBase.create_message("IMAGE")
    decoded.unpack(header, message[HEADER_SIZE:])
    assert decoded.image.shape == (1, 6, 8) and np.array_equal(decoded.image[0], pixels)
    norms = np.linalg.norm(decoded.ijk_to_world_matrix[:3, :3], axis=0)
    assert norms == pytest.approx([0.2, 0.3, 1.0])
    assert header["timestamp"] == pytest.approx(1_700_000_000.5, abs=1e-6)
    assert header["device_name"] == "Image"


def test_round_trip_of_our_own_float_image():
    pixels = np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 6)
    header, body = _split(pack_message("IMAGE", "X", time.time(), encode_image(pixels, None)))
    image = decode_image(content_of(header, body))
    assert np.array_equal(image.pixels, pixels) and image.geometry.spacing_mm == (1.0, 1.0)


def _body(matrix=None):
    pixels = np.zeros((1, 4, 5), np.uint8)
    return bytearray(_split(_pyigtl_image(pixels, np.eye(4) if matrix is None else matrix))[1])


# Offsets in the 72-byte image header: 2 components, 3 scalar type, 4 endianness, 6/8/10 size
# i/j/k, 60/62/64 sub-volume start, 66/68/70 sub-volume size.
@pytest.mark.parametrize(
    ("patches", "complaint"),
    [
        ({3: ("B", 9)}, "scalar type"),
        ({4: ("B", 7)}, "endianness"),
        ({2: ("B", 2)}, "components"),
        ({10: ("H", 3), 70: ("H", 3)}, "not a 2-D image"),  # a volume of 3 slices
        ({60: ("H", 1)}, "sub-volume"),
        ({6: ("H", 6), 66: ("H", 6)}, "bytes of pixels"),  # 6 columns claimed, 5 sent
    ],
)
def test_malformed_image_bodies_are_value_errors(patches, complaint):
    body = _body()
    for offset, (kind, value) in patches.items():
        struct.pack_into(">" + kind, body, offset, value)
    with pytest.raises(ValueError, match=complaint):
        decode_image(bytes(body))


def test_a_zero_matrix_gives_no_spacing_rather_than_an_error():
    geometry = decode_image(bytes(_body(matrix=np.zeros((4, 4))))).geometry
    assert geometry.spacing_mm is None


def test_garbage_headers_are_protocol_errors():
    good = pack_message("IMAGE", "Probe", 0.0, b"")
    with pytest.raises(ProtocolError, match="header version 7"):
        parse_header(struct.pack(">H", 7) + good[2:])
    with pytest.raises(ProtocolError, match="not ASCII"):
        parse_header(good[:2] + b"\xff" * 12 + good[14:])
    with pytest.raises(ProtocolError, match="not ASCII"):
        parse_header(good[:2] + b"\0" * 12 + good[14:])  # no type at all


def test_a_utf8_device_name_is_kept_not_taken_for_garbage():
    message = pyigtl.ImageMessage(np.zeros((1, 2, 2), np.uint8), device_name="Sonde_é").pack()
    assert parse_header(message[:HEADER_SIZE]).device == "Sonde_é"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_value_error(data):
    with contextlib.suppress(ValueError):
        decode_image(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=HEADER_SIZE, max_size=HEADER_SIZE), st.binary(max_size=64))
def test_any_header_parses_or_raises_protocol_error(header, body):
    try:
        parsed = parse_header(header)
    except ProtocolError:
        return
    with contextlib.suppress(ValueError):
        content_of(parsed, body)
