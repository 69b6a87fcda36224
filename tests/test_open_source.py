import numpy as np
import pytest

from vesselscope import Frame, SourceError, open_source
from vesselscope.sources import register_scheme
from vesselscope.writers import write_cine


def test_missing_path_and_unknown_things_are_named(tmp_path):
    with pytest.raises(SourceError, match="no such file or folder") as error:
        open_source(tmp_path / "nope.mha")
    assert "nope.mha" in str(error.value)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match=r"unsupported file type '\.txt'"):
        open_source(tmp_path / "notes.txt")
    with pytest.raises(SourceError, match=r"unknown stream scheme 'ftp://'"):
        open_source("ftp://example/cine")


def test_file_without_extension_is_sniffed_as_dicom(tmp_path):
    path = tmp_path / "IM0001"
    path.write_bytes(bytes(128) + b"DICM" + b"\x02\x00\x10\x00garbage")
    with pytest.raises(SourceError) as error:  # the DICOM reader, not "unsupported file type"
        open_source(path)
    assert "unsupported file type" not in str(error.value)


def test_registered_scheme_opens_with_its_reader(tmp_path):
    write_cine(tmp_path / "cine", [Frame(np.zeros((4, 4), np.uint8), (0.1, 0.1), 0, 0.0, "x")])
    register_scheme("testfolder", "tests.scheme_reader:FolderByUri")
    source = open_source(f"testfolder://{tmp_path / 'cine'}")
    assert len(source) == 1 and source[0].spacing_mm == (0.1, 0.1)


def test_source_is_a_sequence_with_negative_indexing_and_bounds(tmp_path):
    frames = [Frame(np.full((4, 4), i, np.uint8), (0.1, 0.1), i, i / 10, "x") for i in range(3)]
    with open_source(write_cine(tmp_path / "cine", frames)) as source:
        assert [int(f.pixels[0, 0]) for f in source] == [0, 1, 2]
        assert source[-1].index == 2
        with pytest.raises(IndexError, match="out of range"):
            source[3]
        assert "frames=3" in repr(source)
