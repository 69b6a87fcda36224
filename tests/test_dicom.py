"""DicomSource and write_dicom on tiny generated files of every variant, good and broken."""

import functools
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import (
    MPEG2MPML,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
    UltrasoundMultiFrameImageStorage,
)

from tests import dicom_factory as make
from vesselscope import Frame, SourceError, SpacingUnknownWarning, open_source
from vesselscope.sources import dicom as dicom_module
from vesselscope.sources import dicom_header
from vesselscope.sources.base import TruncatedRecordingWarning
from vesselscope.sources.dicom import DicomSource
from vesselscope.writers import write_cine
from vesselscope.writers.dicom import anonymise_dicom, write_dicom

GREY = make.grey_cine()
COLOUR = make.colour_cine()
TABLE = np.stack([np.arange(256), 255 - np.arange(256), np.arange(256) * 3 % 256], axis=-1)
LOSSLESS = [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, JPEG2000Lossless]


def _pixels(source):
    return np.stack([frame.pixels for frame in source])


def _colours(source):
    return np.stack([frame.color for frame in source])


# --- pixels: every photometric interpretation and transfer syntax ---------------------------


@pytest.mark.parametrize("syntax", LOSSLESS, ids=lambda uid: uid.name)
def test_lossless_grey_and_rgb_read_back_exactly(tmp_path, syntax):
    grey = open_source(make.save(make.dataset(GREY, "MONOCHROME2"), tmp_path / "g.dcm", syntax))
    assert len(grey) == 3 and grey.spacing_mm == (0.1, 0.1)
    assert np.array_equal(_pixels(grey), GREY) and grey[0].color is None
    rgb = open_source(make.save(make.dataset(COLOUR, "RGB"), tmp_path / "c.dcm", syntax))
    assert np.array_equal(_colours(rgb), COLOUR)
    # Detection sees the luma of the colour image.
    luma = np.rint(COLOUR.astype(np.float32) @ np.float32([0.299, 0.587, 0.114]))
    assert np.abs(_pixels(rgb).astype(int) - luma).max() <= 1


def test_single_frame_us_image(tmp_path):
    ds = make.dataset(GREY[0], "MONOCHROME2", multi_frame=False)
    source = open_source(make.save(ds, tmp_path / "still.dcm"))
    assert len(source) == 1 and np.array_equal(source[0].pixels, GREY[0])


def test_monochrome1_is_inverted_so_dark_is_dark(tmp_path):
    source = open_source(make.save(make.dataset(255 - GREY, "MONOCHROME1"), tmp_path / "m1.dcm"))
    assert np.array_equal(_pixels(source), GREY)


@pytest.mark.parametrize("build", [make.ybr_full, make.ybr_full_422], ids=["full", "full_422"])
def test_ybr_becomes_rgb(tmp_path, build):
    source = open_source(make.save(build(COLOUR), tmp_path / "ybr.dcm"))
    assert np.abs(_colours(source).astype(int) - COLOUR).max() <= 1  # YCbCr rounding


@pytest.mark.parametrize("images", [GREY, COLOUR], ids=["grey", "colour"])
def test_jpeg_baseline_is_close(tmp_path, images):
    photometric = "RGB" if images.ndim == 4 else "MONOCHROME2"
    path = make.save_jpeg_baseline(make.dataset(images, photometric), tmp_path / "j.dcm", images)
    source = open_source(path)
    decoded = _colours(source) if images.ndim == 4 else _pixels(source)
    assert np.abs(decoded.astype(int) - images).mean() < 3


@pytest.mark.parametrize("entry_bits", [8, 16])
def test_palette_colour_applies_the_lut(tmp_path, entry_bits):
    table = TABLE * 257 if entry_bits == 16 else TABLE
    source = open_source(make.save(make.palette(GREY, table, entry_bits), tmp_path / "p.dcm"))
    assert np.array_equal(_colours(source), TABLE[GREY])


def test_more_than_8_bits_scale_by_the_stored_depth(tmp_path):
    ds = make.dataset(GREY.astype(np.uint16) * 16, "MONOCHROME2")
    ds.BitsStored, ds.HighBit = 12, 11
    source = open_source(make.save(ds, tmp_path / "12bit.dcm"))
    expected = np.rint(GREY.astype(np.float64) * 16 * 255 / 4095)
    assert source[0].pixels.dtype == np.uint8
    assert np.array_equal(_pixels(source), expected)


def test_frames_decode_one_at_a_time(tmp_path, monkeypatch):
    path = make.save(make.dataset(GREY, "MONOCHROME2"), tmp_path / "lazy.dcm", RLELossless)
    asked = []
    decode = dicom_module.pixel_array

    def counting(src, *, index=None, **options):
        asked.append(index)
        return decode(src, index=index, **options)

    monkeypatch.setattr(dicom_module, "pixel_array", counting)
    source = DicomSource(path)
    assert asked == [0]  # opening checks the first frame only
    assert np.array_equal(source[2].pixels, GREY[2]) and asked == [0, 2]


def test_open_source_sniffs_a_dicom_file_without_extension(tmp_path):
    path = make.save(make.dataset(GREY, "MONOCHROME2"), tmp_path / "IM0001")
    assert isinstance(open_source(path), DicomSource)


# --- spacing -----------------------------------------------------------------------------------


def test_spacing_from_the_ultrasound_region_in_cm(tmp_path):
    ds = make.with_regions(make.dataset(GREY, "MONOCHROME2"), make.region(0, 0, 39, 31, cm_x=0.02))
    source = open_source(make.save(ds, tmp_path / "r.dcm"))
    assert source.spacing_mm == pytest.approx((0.1, 0.2))  # rows from Y, columns from X
    assert source[1].spacing_mm == source.spacing_mm


def test_several_regions_pick_the_largest_b_mode_one_with_a_scale(tmp_path):
    doppler = make.region(0, 0, 39, 31, data_type=3, cm_x=0.5, cm_y=0.5)
    small = make.region(0, 0, 9, 9, cm_x=0.03, cm_y=0.03)
    large = make.region(2, 2, 30, 25, cm_x=0.04, cm_y=0.04)
    unscaled = make.region(0, 0, 39, 31)
    unscaled.PhysicalUnitsXDirection = unscaled.PhysicalUnitsYDirection = 0
    ds = make.with_regions(make.dataset(GREY, "MONOCHROME2"), doppler, small, unscaled, large)
    source = open_source(make.save(ds, tmp_path / "r.dcm"))
    assert source.spacing_mm == pytest.approx((0.4, 0.4))
    assert (source.region.x0, source.region.y1) == (2, 25)


def test_crop_to_region_cuts_every_frame_to_the_b_mode_box(tmp_path):
    ds = make.with_regions(make.dataset(GREY, "MONOCHROME2"), make.region(4, 2, 35, 29))
    source = open_source(make.save(ds, tmp_path / "r.dcm"), crop_to_region=True)
    assert np.array_equal(_pixels(source), GREY[:, 2:30, 4:36])
    assert source.spacing_mm == pytest.approx((0.1, 0.1))


def test_crop_without_a_region_is_refused(tmp_path):
    path = make.save(make.dataset(GREY, "MONOCHROME2"), tmp_path / "plain.dcm")
    with pytest.raises(SourceError, match="no ultrasound tissue region"):
        DicomSource(path, crop_to_region=True)


def test_pixel_spacing_then_imager_pixel_spacing(tmp_path):
    ds = make.with_regions(make.dataset(GREY, "MONOCHROME2"), make.region(0, 0, 39, 31))
    ds.SequenceOfUltrasoundRegions[0].PhysicalUnitsXDirection = 0  # no cm scale: not used
    ds.PixelSpacing = [0.3, 0.4]
    assert open_source(make.save(ds, tmp_path / "a.dcm")).spacing_mm == (0.3, 0.4)
    del ds.PixelSpacing
    ds.ImagerPixelSpacing = [0.5, 0.6]
    assert open_source(make.save(ds, tmp_path / "b.dcm")).spacing_mm == (0.5, 0.6)


def test_unknown_spacing_warns(tmp_path):
    ds = make.dataset(GREY, "MONOCHROME2")
    del ds.PixelSpacing
    with pytest.warns(SpacingUnknownWarning, match="spacing unknown"):
        source = open_source(make.save(ds, tmp_path / "u.dcm"))
    assert source.spacing_mm is None and source[0].spacing_mm is None


# --- timing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "fps", "timestamps"),
    [
        ({"FrameTime": 40}, 25.0, [0.0, 0.04, 0.08]),
        ({"FrameTimeVector": [0, 30, 50]}, 25.0, [0.0, 0.03, 0.08]),
        ({"FrameTime": 50, "FrameTimeVector": [0, 30, 50]}, 20.0, [0.0, 0.03, 0.08]),
        ({"CineRate": 20}, 20.0, [0.0, 0.05, 0.1]),
        ({"RecommendedDisplayFrameRate": 10}, 10.0, [0.0, 0.1, 0.2]),
        ({"FrameTime": 0, "FrameTimeVector": [0, 30], "CineRate": 20}, 20.0, [0.0, 0.05, 0.1]),
        ({}, None, [0.0, 1 / 30, 2 / 30]),
    ],
)
def test_timing(tmp_path, attributes, fps, timestamps):
    ds = make.dataset(GREY, "MONOCHROME2")
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    source = open_source(make.save(ds, tmp_path / "t.dcm"))
    assert source.fps == (None if fps is None else pytest.approx(fps))
    assert [frame.timestamp_s for frame in source] == pytest.approx(timestamps)


# --- writer ------------------------------------------------------------------------------------


def _frames(spacing=(0.2, 0.25), times=(0.0, 0.04, 0.09)):
    return [Frame(GREY[i], spacing, i, t, "gen") for i, t in enumerate(times)]


def test_writer_round_trip_keeps_pixels_spacing_and_timestamps(tmp_path):
    path = write_cine(tmp_path / "out.dcm", _frames())
    source = open_source(path)
    assert np.array_equal(_pixels(source), GREY)
    assert source.spacing_mm == pytest.approx((0.2, 0.25))
    assert [f.timestamp_s for f in source] == pytest.approx([0.0, 0.04, 0.09])
    ds = dcmread(path)
    assert ds.SOPClassUID == UltrasoundMultiFrameImageStorage
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert ds.PhotometricInterpretation == "MONOCHROME2" and ds.NumberOfFrames == 3
    assert ds.PixelSpacing == pytest.approx([0.2, 0.25])
    assert ds.SequenceOfUltrasoundRegions[0].PhysicalDeltaX == pytest.approx(0.025)


def test_writer_fps_sets_frame_time(tmp_path):
    source = open_source(write_dicom(tmp_path / "out.dcm", _frames(), fps=25))
    assert source.fps == pytest.approx(25)
    assert [f.timestamp_s for f in source] == pytest.approx([0.0, 0.04, 0.08])
    assert dcmread(tmp_path / "out.dcm").CineRate == 25


def test_writer_is_anonymous_with_new_uids(tmp_path):
    first = dcmread(write_dicom(tmp_path / "a.dcm", _frames()))
    second = dcmread(write_dicom(tmp_path / "b.dcm", _frames()))
    assert first.PatientName == "Anonymous" and first.PatientID.startswith("ANON-")
    assert not first.PatientBirthDate and first.PatientIdentityRemoved == "YES"
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "PatientID"):
        assert first.get(keyword) != second.get(keyword)
    assert first.SOPInstanceUID == first.file_meta.MediaStorageSOPInstanceUID


def test_writer_turns_to_rgb_when_a_frame_has_colour(tmp_path):
    grey = Frame(GREY[0], (0.1, 0.1), 0, 0.0, "gen")
    coloured = Frame(GREY[1], (0.1, 0.1), 1, 0.04, "gen", color=COLOUR[1])
    source = open_source(write_dicom(tmp_path / "c.dcm", [grey, coloured, grey]))
    assert dcmread(tmp_path / "c.dcm").PhotometricInterpretation == "RGB"
    assert source[0].color is None and np.array_equal(source[0].pixels, GREY[0])
    assert np.array_equal(source[1].color, COLOUR[1])
    assert np.array_equal(source[2].pixels, GREY[0])


def test_writer_without_spacing_writes_no_region(tmp_path):
    path = write_dicom(tmp_path / "n.dcm", _frames(spacing=None))
    assert "SequenceOfUltrasoundRegions" not in dcmread(path)
    with pytest.warns(SpacingUnknownWarning):
        open_source(path)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([], "no frames"),
        ([Frame(GREY[0], None, 0, 0, "g"), Frame(GREY[0][:8], None, 1, 0, "g")], "earlier frames"),
        ([Frame(GREY[0], (0.1, 0.1), 0, 0, "g"), Frame(GREY[0], (0.2, 0.1), 1, 0, "g")], "spacing"),
    ],
    ids=["empty", "shape", "spacing"],
)
def test_writer_refuses_frames_it_cannot_store(tmp_path, frames, message):
    with pytest.raises(SourceError, match=message) as error:
        write_dicom(tmp_path / "bad.dcm", frames)
    assert error.value.path == str(tmp_path / "bad.dcm")
    assert not list(tmp_path.iterdir())  # no partial file left behind


def test_writer_reports_an_unwritable_path(tmp_path):
    (tmp_path / "a file").write_text("not a folder")
    with pytest.raises(SourceError, match="out.dcm: cannot create its folder"):
        write_dicom(tmp_path / "a file" / "out.dcm", _frames())
    with pytest.raises(SourceError, match="positive frame rate"):
        write_dicom(tmp_path / "out.dcm", _frames(), fps=0)


def test_anonymised_export_carries_no_identifiers(tmp_path):
    ds = make.with_regions(make.dataset(GREY, "MONOCHROME2"), make.region(4, 2, 35, 29))
    ds.FrameTimeVector = [0, 30, 50]
    original = make.save(ds, tmp_path / "patient.dcm")
    exported = anonymise_dicom(original, tmp_path / "anon.dcm")
    data = exported.read_bytes()
    uids = [ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID]
    for secret in [*make.PATIENT.values(), "St Elsewhere", *uids]:
        assert secret.encode() not in data
    source = open_source(exported)
    assert np.array_equal(_pixels(source), GREY) and source.spacing_mm == pytest.approx((0.1, 0.1))
    assert [frame.timestamp_s for frame in source] == pytest.approx([0, 0.03, 0.08])
    cropped = open_source(anonymise_dicom(original, tmp_path / "crop.dcm", crop_to_region=True))
    assert cropped[0].shape == (28, 32)


# --- broken input ------------------------------------------------------------------------------


def _good(tmp_path, syntax=ExplicitVRLittleEndian):
    return make.save(make.dataset(GREY, "MONOCHROME2"), tmp_path / "good.dcm", syntax)


def _edited(tmp_path, **attributes):
    ds = make.dataset(GREY, "MONOCHROME2")
    for keyword, value in attributes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return make.save(ds, tmp_path / "bad.dcm")


def _text_frame_count(tmp_path):
    ds = make.dataset(GREY, "MONOCHROME2")
    ds.add_new(0x00280008, "LO", "three")  # as LO: pydicom refuses to make such an IS
    return make.save(ds, tmp_path / "bad.dcm")


def _encapsulated(tmp_path, syntax, fragments, frames=3, offset_table=True):
    """Fragments stored as they are under `syntax`, declaring `frames` frames."""
    ds = make.dataset(GREY, "MONOCHROME2")
    ds.PixelData = encapsulate(fragments, has_bot=offset_table)
    ds.NumberOfFrames = frames
    ds.file_meta.TransferSyntaxUID = syntax
    path = tmp_path / "bad.dcm"
    ds.save_as(path, enforce_file_format=True, implicit_vr=False, little_endian=True)
    return path


def _truncated(tmp_path, syntax, keep):
    data = _good(tmp_path, syntax).read_bytes()
    path = tmp_path / "bad.dcm"
    path.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[:-1])
    return path


def _cut_in_frame(tmp_path, syntax, frame, offset_table=False):
    """The file of 3 frames cut halfway through frame `frame`'s pixel data."""
    ds = make.dataset(GREY, "MONOCHROME2")
    path = make.save(ds, tmp_path / "good.dcm", syntax)
    if syntax.is_encapsulated:  # one fragment per frame, with or without an offset table
        frames = list(generate_frames(ds.PixelData, number_of_frames=3))
        ds.PixelData = encapsulate(frames, has_bot=offset_table)
        ds.save_as(path, enforce_file_format=True)
    data = path.read_bytes()
    starts, end = _frame_extents(data, syntax)
    cut = (starts[frame] + (starts[frame + 1] if frame + 1 < len(starts) else end)) // 2
    path.write_bytes(data[:cut])
    return path


def _frame_extents(data, syntax):
    """File offsets where each of the 3 frames' pixel data starts, and where the last ends."""
    if not syntax.is_encapsulated:
        size = GREY[0].size
        return [len(data) - size * (3 - i) for i in range(3)], len(data)
    frames = list(generate_frames(dcmread(io.BytesIO(data)).PixelData, number_of_frames=3))
    starts = [data.index(frame) for frame in frames]  # one fragment each
    return starts, starts[-1] + len(frames[-1])


BROKEN = {
    "text": (lambda p: _write(p, b"hello, I am not an image"), "not a DICOM file"),
    "empty": (lambda p: _write(p, b""), "empty"),
    "garbage after DICM": (
        lambda p: _write(p, bytes(128) + b"DICM" + np.random.default_rng(1).bytes(400)),
        None,
    ),
    "truncated in preamble": (lambda p: _truncated(p, ExplicitVRLittleEndian, 0.02), None),
    "truncated in header": (lambda p: _truncated(p, ExplicitVRLittleEndian, 0.08), None),
    "cut in the first frame": (
        lambda p: _cut_in_frame(p, ExplicitVRLittleEndian, 0),
        "not one whole frame",
    ),
    "cut in the first fragment": (lambda p: _cut_in_frame(p, RLELossless, 0), "not one whole"),
    "frames > data": (lambda p: _edited(p, NumberOfFrames=5), "NumberOfFrames does not match"),
    "frames > fragments": (
        lambda p: _encapsulated(p, RLELossless, [b"\0\0"] * 3, frames=5, offset_table=False),
        "too few",
    ),
    "frames > offsets": (
        lambda p: _encapsulated(p, RLELossless, [b"\0\0"] * 3, frames=5),
        "offset table lists 3 frames",
    ),
    "zero rows": (lambda p: _edited(p, Rows=0), "no pixels"),
    "no pixel data": (lambda p: _edited(p, PixelData=None), "no pixel data"),
    "absurd size": (
        lambda p: _edited(p, Rows=65535, Columns=65535, NumberOfFrames=1000),
        "exceeds",
    ),
    "unknown photometric": (lambda p: _edited(p, PhotometricInterpretation="HSV"), "HSV"),
    "odd bits": (lambda p: _edited(p, BitsAllocated=12), "BitsAllocated 12"),
    "text frames": (_text_frame_count, "NumberOfFrames is 'three'"),
    "MPEG-2": (lambda p: _encapsulated(p, MPEG2MPML, [b"\0\0"] * 3), "unsupported transfer"),
    "deflated": (
        lambda p: make.save(
            make.dataset(GREY, "MONOCHROME2"), p / "bad.dcm", DeflatedExplicitVRLittleEndian
        ),
        "unsupported transfer syntax 'Deflated",
    ),
    "unknown syntax": (lambda p: _encapsulated(p, "1.2.3.4.5", [b"\0\0"] * 3), "unsupported"),
    "broken codestream": (
        lambda p: _encapsulated(p, JPEG2000Lossless, [b"not a JPEG 2000 codestream"] * 3),
        "cannot decode frame 0",
    ),
}


def _write(directory, data):
    path = directory / "bad.dcm"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("frame", [1, 2])
@pytest.mark.parametrize(
    ("syntax", "offset_table"),
    [
        (ExplicitVRLittleEndian, False),
        (ImplicitVRLittleEndian, False),
        (RLELossless, False),
        (RLELossless, True),
        (JPEG2000Lossless, False),
    ],
    ids=["explicit", "implicit", "RLE", "RLE with offsets", "JPEG 2000"],
)
def test_a_file_cut_off_opens_with_its_whole_frames(tmp_path, syntax, offset_table, frame):
    path = _cut_in_frame(tmp_path, syntax, frame, offset_table)
    with pytest.warns(TruncatedRecordingWarning, match=f"truncated: recovered {frame} of the 3"):
        source = open_source(path)
    assert len(source) == frame
    assert np.array_equal(_pixels(source), GREY[:frame])


def test_a_compressed_file_missing_only_its_end_marker_keeps_every_frame(tmp_path):
    path = _good(tmp_path, RLELossless)
    path.write_bytes(path.read_bytes()[:-1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncatedRecordingWarning)
        assert np.array_equal(_pixels(open_source(path)), GREY)


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_files_give_source_error_naming_the_file(tmp_path, case):
    build, message = BROKEN[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about some of these values
        path = build(tmp_path)
        with pytest.raises(SourceError, match=message) as error:
            open_source(path)
    assert error.value.path == str(path) and str(path) in str(error.value)
    assert type(error.value) is SourceError


def test_missing_decoder_is_named(tmp_path, monkeypatch):
    class Unavailable:
        is_available = False
        missing_dependencies = ["pylibjpeg - requires pylibjpeg-openjpeg"]

    monkeypatch.setattr(dicom_header, "get_decoder", lambda syntax: Unavailable())
    with pytest.raises(SourceError, match="no decoder installed .*pylibjpeg-openjpeg"):
        open_source(_good(tmp_path))


@functools.cache
def _good_bytes(syntax):
    buffer = io.BytesIO()
    make.save(make.dataset(GREY, "MONOCHROME2"), buffer, syntax)
    return buffer.getvalue()


@settings(max_examples=60, deadline=None)
@given(
    syntax=st.sampled_from([ExplicitVRLittleEndian, RLELossless, JPEG2000Lossless]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    keep=st.floats(0.0, 1.0),
)
def test_damaged_files_give_frames_or_source_error(syntax, edits, keep):
    raw = bytearray(_good_bytes(syntax))
    for position, value in edits:
        raw[position % len(raw)] = value
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "damaged.dcm"
        path.write_bytes(bytes(raw[: max(1, int(len(raw) * keep))]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # only the exception type is under test here
            try:
                for frame in DicomSource(path):
                    assert frame.pixels.dtype == np.uint8
            except SourceError as error:
                assert error.path == str(path)
