"""PLUS sequence metafiles: each variant read, writer round trips, bad files refused."""

from __future__ import annotations

import os
import tempfile
import tracemalloc
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vesselscope.errors import SourceError, SpacingUnknownWarning
from vesselscope.frame import Frame
from vesselscope.sources import open_source, zlib_frames
from vesselscope.sources.color import frame_pixels
from vesselscope.sources.metaimage import MetaImageSource, TruncatedRecordingWarning
from vesselscope.sources.metaimage_header import MAX_HEADER_BYTES, parse_header
from vesselscope.sources.metaimage_layout import ELEMENT_TYPES
from vesselscope.writers import write_cine
from vesselscope.writers.metaimage import write_metaimage

N, H, W = 4, 20, 30
TIMESTAMPS = [5.0 + 0.05 * i for i in range(N)]
_TYPE_NAMES = {code: name for name, code in ELEMENT_TYPES.items()}


def volume(dtype: str = "u1", channels: int = 1, frames: int = N, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (frames, H, W) + ((channels,) if channels > 1 else ())
    if np.dtype(dtype).kind == "f":
        return rng.uniform(-5, 300, shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000), shape, endpoint=True).astype(
        dtype
    )


def make(
    path: Path,
    pixels: np.ndarray,
    *,
    compress: bool = False,
    msb: bool = False,
    prefix: bytes = b"",
    data: bytes | None = None,
    **fields: object,
) -> Path:
    """Write a metafile by hand; `fields` add or (with None) remove header fields."""
    raw = pixels.astype(pixels.dtype.newbyteorder(">" if msb else "<")).tobytes()
    raw = zlib.compress(raw) if compress else raw
    raw = raw if data is None else data
    header: dict[str, object] = {
        "ObjectType": "Image",
        "NDims": 3,
        "DimSize": f"{W} {H} {pixels.shape[0]}",
        "ElementType": _TYPE_NAMES[pixels.dtype.str[1:]],
        "ElementNumberOfChannels": pixels.shape[3] if pixels.ndim == 4 else 1,
        "ElementSpacing": "0.3 0.2 1",
        "BinaryDataByteOrderMSB": msb,
        "CompressedData": compress,
        "CompressedDataSize": len(raw) if compress else None,
    }
    header |= {f"Seq_Frame{i:04d}_Timestamp": t for i, t in enumerate(TIMESTAMPS)}
    header |= fields
    local = path.suffix == ".mha"
    data_file = "LOCAL" if local else path.with_suffix(".zraw" if compress else ".raw").name
    header["ElementDataFile"] = header.get("ElementDataFile", data_file)
    text = "".join(f"{k} = {v}\n" for k, v in header.items() if v is not None).encode()
    if local:
        path.write_bytes(text + prefix + raw)
    else:
        path.write_bytes(text)
        (path.parent / str(header["ElementDataFile"])).write_bytes(prefix + raw)
    return path


def expected(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return frame_pixels(image.astype(np.float32) if image.dtype.kind == "f" else image)


def assert_frames(source: MetaImageSource, pixels: np.ndarray) -> None:
    assert len(source) == len(pixels)
    for frame, image in zip(source, pixels, strict=True):
        gray, color = expected(image)
        assert frame.pixels.dtype == gray.dtype
        np.testing.assert_array_equal(frame.pixels, gray)
        if color is None:
            assert frame.color is None
        else:
            np.testing.assert_array_equal(frame.color, color)


# --- every variant a PLUS or ITK file may use ------------------------------------------------


@pytest.mark.parametrize("name", ["cine.mha", "cine.mhd"])
@pytest.mark.parametrize("compress", [False, True])
def test_reads_local_and_separate_data_plain_and_compressed(tmp_path, name, compress):
    pixels = volume()
    with open_source(make(tmp_path / name, pixels, compress=compress)) as source:
        assert isinstance(source, MetaImageSource)
        assert_frames(source, pixels)
        assert source.spacing_mm == (0.2, 0.3)  # x y order: column spacing comes first
        assert [f.timestamp_s for f in source] == TIMESTAMPS
        assert source.fps == pytest.approx(20.0)
        assert source[2].index == 2 and source[2].origin == str(tmp_path / name)


@pytest.mark.parametrize("dtype", sorted(ELEMENT_TYPES.values()))
@pytest.mark.parametrize("msb", [False, True])
def test_every_element_type_in_both_byte_orders(tmp_path, dtype, msb):
    pixels = volume(dtype)
    with open_source(make(tmp_path / "t.mha", pixels, msb=msb)) as source:
        assert_frames(source, pixels)
        if dtype.startswith("f"):
            assert source[0].pixels.dtype == np.float32


def test_element_byte_order_msb_is_the_older_spelling(tmp_path):
    pixels = volume("u2")
    path = make(tmp_path / "t.mhd", pixels, msb=True, BinaryDataByteOrderMSB=None)
    path.write_text(
        path.read_text().replace("ObjectType", "ElementByteOrderMSB = True\nObjectType")
    )
    with open_source(path) as source:
        assert_frames(source, pixels)


def test_ndims_2_is_one_frame(tmp_path):
    pixels = volume(frames=1)
    with open_source(make(tmp_path / "one.mha", pixels, NDims=2, DimSize=f"{W} {H}")) as source:
        assert len(source) == 1
        assert_frames(source, pixels)


@pytest.mark.parametrize("grey", [False, True])
def test_three_channels_become_grey_pixels_and_keep_colour(tmp_path, grey):
    pixels = volume(channels=3)
    if grey:
        pixels[..., 1] = pixels[..., 2] = pixels[..., 0]
    with open_source(make(tmp_path / "rgb.mhd", pixels)) as source:
        assert_frames(source, pixels)
        assert (source[0].color is None) == grey


def test_per_frame_spacing_overrides_the_global_one(tmp_path):
    path = make(tmp_path / "s.mha", volume(), Seq_Frame0002_ElementSpacing="0.5 0.4 1")
    with open_source(path) as source:
        assert [f.spacing_mm for f in source] == [(0.2, 0.3)] * 2 + [(0.4, 0.5), (0.2, 0.3)]


def test_per_frame_spacing_alone_gives_the_source_spacing(tmp_path):
    path = make(
        tmp_path / "s.mha", volume(), ElementSpacing=None, Seq_Frame0000_ElementSpacing="1 2"
    )
    with open_source(path) as source:
        assert source.spacing_mm == (2.0, 1.0)


def test_no_spacing_warns(tmp_path):
    with (
        pytest.warns(SpacingUnknownWarning),
        open_source(make(tmp_path / "s.mha", volume(), ElementSpacing=None)) as source,
    ):
        assert source.spacing_mm is None and source[0].spacing_mm is None


@pytest.mark.parametrize("header_size", [100, -1])
def test_header_size_skips_bytes_of_the_data_file(tmp_path, header_size):
    pixels = volume("i2")
    path = make(tmp_path / "h.mhd", pixels, prefix=b"\x07" * 100, HeaderSize=header_size)
    with open_source(path) as source:
        assert_frames(source, pixels)


@pytest.mark.parametrize(
    ("orientation", "flip"),
    [("MF", ()), ("mn", (0,)), ("UF", (1,)), ("UN", (0, 1)), ("??", ())],
)
def test_orientation_is_flipped_to_mf(tmp_path, orientation, flip):
    pixels = volume()
    path = make(tmp_path / "o.mha", pixels, UltrasoundImageOrientation=orientation)
    with open_source(path) as source:
        assert source.orientation == orientation.upper()
        np.testing.assert_array_equal(source[1].pixels, np.flip(pixels[1], flip))


def test_missing_timestamps_are_extrapolated(tmp_path):
    path = make(
        tmp_path / "t.mha", volume(), Seq_Frame0002_Timestamp=None, Seq_Frame0003_Timestamp=None
    )
    with open_source(path) as source:
        assert [f.timestamp_s for f in source] == pytest.approx([5.0, 5.05, 5.1, 5.15])


def test_compressed_frames_read_in_any_order(tmp_path, monkeypatch):
    monkeypatch.setattr(zlib_frames, "_CHECKPOINT_BYTES", 2 * H * W)  # a snapshot every 2 frames
    pixels = volume(frames=9)
    with open_source(make(tmp_path / "z.mha", pixels, compress=True)) as source:
        for index in [8, 0, 5, 6, 7, 1, 1, 4, 3, 2, 8]:
            np.testing.assert_array_equal(source[index].pixels, pixels[index])


# --- round trips through the writer ------------------------------------------------------------


def frames(dtype=np.uint8, n: int = N) -> list[Frame]:
    pixels = volume("u1" if dtype == np.uint8 else "f4", frames=n)
    spacings = [(0.2, 0.3)] * n
    spacings[1] = (0.25, 0.125)
    return [
        Frame(p, s, i, 100.0 + i / 7, "mem")
        for i, (p, s) in enumerate(zip(pixels, spacings, strict=True))
    ]


@pytest.mark.parametrize("name", ["out.mha", "out.mhd"])
@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_write_then_read_round_trip(tmp_path, name, compress, dtype):
    written = frames(dtype)
    path = write_metaimage(tmp_path / name, written, compress=compress)
    with open_source(path) as source:
        assert len(source) == N
        for a, b in zip(written, source, strict=True):
            assert b.pixels.dtype == dtype
            np.testing.assert_array_equal(a.pixels, b.pixels)
            assert (a.spacing_mm, a.timestamp_s) == (b.spacing_mm, b.timestamp_s)
    data = {("out.mhd", False): "out.raw", ("out.mhd", True): "out.zraw"}.get((name, compress))
    assert sorted(os.listdir(tmp_path)) == sorted([name] + ([data] if data else []))


def test_header_is_plus_compatible(tmp_path):
    write_cine(tmp_path / "p.mhd", frames())
    fields = parse_header((tmp_path / "p.mhd").read_bytes())
    assert fields["DimSize"] == f"{W} {H} {N}"
    assert fields["ElementSpacing"] == "0.3 0.2 1"
    assert fields["UltrasoundImageOrientation"] == "MF"
    assert fields["Kinds"] == "domain domain list"
    assert fields["Seq_Frame0003_FrameNumber"] == "3"
    assert fields["Seq_Frame0003_ImageStatus"] == "OK"
    assert list(fields)[-1] == "ElementDataFile" and fields["ElementDataFile"] == "p.raw"


def test_fps_retimes_written_frames(tmp_path):
    path = write_metaimage(tmp_path / "f.mha", frames(), fps=10)
    with open_source(path) as source:
        assert [f.timestamp_s for f in source] == pytest.approx([100.0, 100.1, 100.2, 100.3])


def test_write_streams_a_generator(tmp_path):
    path = write_metaimage(tmp_path / "g.mhd", (f for f in frames()))
    with open_source(path) as source:
        assert len(source) == N


@pytest.mark.parametrize("name", ["bad.mha", "bad.mhd"])
def test_write_refuses_no_frames_and_mixed_frames_leaving_nothing(tmp_path, name):
    with pytest.raises(SourceError, match="no frames"):
        write_metaimage(tmp_path / name, [])
    mixed = frames() + [Frame(np.zeros((5, 5), np.uint8), None, 4, 0.0, "mem")]
    with pytest.raises(SourceError, match="one size and type"):
        write_metaimage(tmp_path / name, mixed)
    mixed = frames() + frames(np.float32)
    with pytest.raises(SourceError, match="one size and type"):
        write_metaimage(tmp_path / name, mixed)
    with pytest.raises(SourceError, match="MetaImage extension"):
        write_metaimage(tmp_path / "bad.nrrd", frames())
    assert os.listdir(tmp_path) == []


# --- damaged and hostile files -------------------------------------------------------------


@pytest.mark.parametrize("name", ["cut.mha", "cut.mhd"])
@pytest.mark.parametrize("compress", [False, True])
def test_short_data_keeps_the_whole_frames_with_a_warning(tmp_path, name, compress):
    pixels = volume()
    raw = pixels.tobytes()[: int(2.5 * H * W)]
    data = zlib.compress(pixels.tobytes())[:-40] if compress else raw
    path = make(tmp_path / name, pixels, compress=compress, data=data)
    with pytest.warns(TruncatedRecordingWarning, match=r"recovered \d of the 4"):
        source = open_source(path)
    assert 2 <= len(source) < N
    assert_frames(source, pixels[: len(source)])


@pytest.mark.parametrize("compress", [False, True])
def test_less_than_one_frame_is_an_error(tmp_path, compress):
    data = zlib.compress(volume().tobytes())[:100] if compress else bytes(H * W // 2)
    path = make(tmp_path / "cut.mha", volume(), compress=compress, data=data)
    with pytest.raises(SourceError, match="not one whole frame"):
        open_source(path)


def test_corrupt_compressed_data_keeps_the_frames_before_the_damage(tmp_path):
    pixels = volume(seed=3)
    data = bytearray(zlib.compress(pixels.tobytes(), 0))  # stored blocks: damage stays local
    data[-200:] = os.urandom(200)
    with pytest.warns(TruncatedRecordingWarning, match="corrupt"):
        source = open_source(make(tmp_path / "c.mha", pixels, compress=True, data=bytes(data)))
    assert len(source) == 3  # zlib only notices at the checksum, inside the last frame
    assert_frames(source, pixels[:3])


@pytest.mark.parametrize("compress", [False, True])
def test_billions_of_declared_one_pixel_frames_open_quickly(tmp_path, compress):
    data = bytes(range(256)) * 4096
    path = make(
        tmp_path / "tiny.mhd",
        volume(),
        compress=compress,
        data=zlib.compress(data) if compress else data,
        DimSize="1 1 4000000000",
    )
    with pytest.warns(TruncatedRecordingWarning, match=r"recovered 1048576 of the 4000000000"):
        source = open_source(path)
    assert source[-1].pixels[0, 0] == 255 and source[1000].timestamp_s == pytest.approx(55.0)


def test_extra_frames_in_a_raw_file_are_recovered(tmp_path):
    pixels = volume(frames=6)
    path = make(
        tmp_path / "rec.mhd", pixels[:2], Seq_Frame0002_Timestamp=None, Seq_Frame0003_Timestamp=None
    )
    (tmp_path / "rec.raw").write_bytes(pixels.tobytes() + b"\x01" * 17)  # + part of a frame
    with pytest.warns(TruncatedRecordingWarning, match="4 more than the header lists"):
        source = open_source(path)
    assert_frames(source, pixels)
    assert [f.timestamp_s for f in source] == pytest.approx([5.0 + 0.05 * i for i in range(6)])


def test_compressed_bomb_inflates_no_further_than_declared(tmp_path):
    packer = zlib.compressobj(9)
    bomb = b"".join(packer.compress(bytes(1024**2)) for _ in range(256)) + packer.flush()
    path = make(tmp_path / "bomb.mha", volume(), compress=True, data=bomb)  # 256 MiB in 260 KB
    tracemalloc.start()
    try:
        with open_source(path) as source:
            assert len(source) == N
            assert not source[3].pixels.any()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024**2


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"DimSize": "100000 100000 100000"}, "exceeds"),
        ({"DimSize": "30 twenty 4"}, "not whole numbers"),
        ({"DimSize": "30 -20 4"}, "not positive"),
        ({"DimSize": "30 0 4"}, "not positive"),
        ({"DimSize": "30 20"}, "2 values for NDims = 3"),
        ({"DimSize": "9" * 50 + " 1 1"}, "longer than 40"),
        ({"DimSize": None}, "required field DimSize"),
        ({"NDims": None}, "required field NDims"),
        ({"ElementType": None}, "required field ElementType"),
        ({"NDims": 4}, "NDims = 4"),
        ({"ElementType": "MET_QUATERNION"}, "unknown ElementType"),
        ({"ElementNumberOfChannels": 2}, "ElementNumberOfChannels = 2"),
        ({"ElementSpacing": "-1 0.2"}, "not a positive size"),
        ({"ElementSpacing": "nan 1"}, "not a positive size"),
        ({"BinaryData": "False"}, "ASCII"),
        ({"CompressedData": "maybe"}, "neither True nor False"),
        ({"HeaderSize": -7}, "negative"),
        ({"Seq_Frame0001_Timestamp": "soon"}, "not numbers"),
        ({"Seq_Frame0001_Timestamp": "inf"}, "not a time"),
        ({"ElementDataFile": "LIST"}, "file lists"),
        ({"ElementDataFile": "elsewhere.raw"}, "not found"),
        ({"ElementDataFile": "folder.raw"}, "not a regular file"),
    ],
)
def test_bad_header_fields_are_refused(tmp_path, fields, reason):
    path = make(tmp_path / "bad.mhd", volume(), **fields)
    if fields.get("ElementDataFile") in ("elsewhere.raw", "folder.raw"):
        (tmp_path / fields["ElementDataFile"]).unlink()
    if fields.get("ElementDataFile") == "folder.raw":
        (tmp_path / "folder.raw").mkdir()
    with pytest.raises(SourceError, match=reason) as caught:
        open_source(path)
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"NDims = 3\nDimSize = 30 20 4\nElementType = MET_UC", "no ElementDataFile"),
        (b"NDims = 3\n\x89PNG\r\n\x1a\n\x00\x00", "not 'Key = Value'"),
        (b"NDims = 3\nDimSize = 30\x0020 4\n", "binary data"),
        (b"just some words\nElementDataFile = LOCAL\n", "not 'Key = Value'"),
        (b"NDims = 3\n" + b"\xff" * 100_000, "longer than"),
    ],
)
def test_garbage_headers_are_refused(tmp_path, content, reason):
    path = tmp_path / "junk.mha"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=reason):
        open_source(path)


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.mha"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, np.uint8).tobytes())
    with pytest.raises(SourceError):
        open_source(path)


def test_header_without_data_file_line_is_read_no_further_than_the_cap(tmp_path):
    path = tmp_path / "endless.mhd"
    with open(path, "wb") as handle:
        line = b"Comment = " + b"x" * 1000 + b"\n"
        handle.write(line * (MAX_HEADER_BYTES // len(line) + 10))
    with pytest.raises(SourceError, match="MiB without a ElementDataFile"):
        open_source(path)


# --- fuzzing ---------------------------------------------------------------------------------

_KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True).filter(
    lambda key: key != "ElementDataFile"
)
# Header values are text: printable characters, no lone surrogates (they cannot be in a file).
_VALUES = st.text(
    st.characters(min_codepoint=0x20, exclude_characters="\x7f", exclude_categories=("Cs",)),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=500))
def test_parse_header_gives_fields_or_source_error(data):
    try:
        fields = parse_header(data)
    except SourceError:
        return
    assert "ElementDataFile" in fields


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=10))
def test_parse_header_reads_back_key_value_text(pairs):
    text = "".join(f"{k} = {v}\r\n" for k, v in pairs.items()) + "ElementDataFile = x.raw\n"
    fields = parse_header(text + "\x00\x01 binary data that follows")
    assert fields == {k: v.strip() for k, v in pairs.items()} | {"ElementDataFile": "x.raw"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_files_open_or_raise_source_error(data):
    compress = data.draw(st.booleans())
    with tempfile.TemporaryDirectory() as folder:
        clean = make(Path(folder) / "f.mha", volume(frames=2), compress=compress).read_bytes()
        damaged = bytearray(clean)
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(damaged) - 1))
            damaged[at] = data.draw(st.integers(0, 255))
        cut = data.draw(st.integers(0, len(damaged)))
        path = Path(folder) / "f.mha"
        path.write_bytes(bytes(damaged[:cut]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncatedRecordingWarning)
            warnings.simplefilter("ignore", SpacingUnknownWarning)
            try:
                source = open_source(path)
                # Damage in the header can legitimately declare another size; what must hold is
                # that every frame is a 2-D image of the one size the file declares.
                shapes = {frame.pixels.shape for frame in source}
                assert len(shapes) <= 1 and all(len(shape) == 2 for shape in shapes)
            except SourceError:
                pass


def test_a_zero_spacing_means_unknown_and_can_be_given(tmp_path):
    # some writers put zeros where they do not know the spacing (as DICOM's PixelSpacing 0)
    path = make(tmp_path / "zero.mhd", volume(), ElementSpacing="0 0 1")
    with pytest.warns(SpacingUnknownWarning):
        assert open_source(path).spacing_mm is None
    assert open_source(path, spacing_mm=0.2).spacing_mm == (0.2, 0.2)
