"""Parsing of live-stream URIs (`igtl://host:port?device=...`, `capture://0?crop=...`).

Unknown options and bad values are SourceErrors naming the URI, never silently ignored: a typo
in `spacing=` must not give a stream measured in the wrong millimetres.
"""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs, urlsplit

from vesselscope.errors import SourceError


def split_uri(uri: str, known: set[str]) -> tuple[SplitResult, dict[str, str]]:
    """The URI's parts and its query as {name: value} (the last of repeated names wins)."""
    parts = urlsplit(uri)
    if parts.path not in ("", "/"):
        raise SourceError(uri, f"unexpected path {parts.path!r} (options go after '?')")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - known)
    if unknown:
        raise SourceError(
            uri, f"unknown option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return parts, query


def number_option(
    uri: str, query: dict[str, str], name: str, default: float, low: float, high: float
) -> float:
    if name not in query:
        return default
    try:
        value = float(query[name])
    except ValueError:
        raise SourceError(uri, f"{name}={query[name]!r} is not a number") from None
    if not low <= value <= high:
        raise SourceError(uri, f"{name}={query[name]} is outside {low:g}..{high:g}")
    return value


def numbers_option(
    uri: str, query: dict[str, str], name: str, counts: tuple[int, ...]
) -> tuple[float, ...] | None:
    """A comma-separated list like `crop=10,20,300,200`; None when absent."""
    if name not in query:
        return None
    try:
        values = tuple(float(part) for part in query[name].split(","))
    except ValueError:
        raise SourceError(uri, f"{name}={query[name]!r} is not a list of numbers") from None
    if len(values) not in counts:
        wanted = " or ".join(str(count) for count in counts)
        raise SourceError(uri, f"{name}= needs {wanted} comma-separated numbers, got {len(values)}")
    return values
