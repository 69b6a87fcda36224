"""Any bytes under any supported name give frames or our SourceError: never a crash or a hang."""

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vesselscope import SourceError, open_source
from vesselscope.sources import supported_suffixes

# Headers that get a parser past its first check, so the fuzzing reaches deeper code.
_PREFIXES = [
    b"",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    bytes(128) + b"DICM",
    b"ObjectType = Image\nNDims = 3\nDimSize = 4 4 2\nElementType = MET_UCHAR\n",
    b"RIFF\x00\x10\x00\x00AVI LIST",
    b"\x00\x00\x00\x18ftypmp42",
]


@pytest.mark.parametrize("suffix", supported_suffixes())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=600))
def test_random_files_give_frames_or_source_error(tmp_path, suffix, prefix, body):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(prefix + body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # only the exception type is under test here
        try:
            with open_source(path, spacing_mm=0.1) as source:
                for frame in source:
                    assert frame.pixels.ndim == 2
        except SourceError as error:
            assert str(path) in str(error)
