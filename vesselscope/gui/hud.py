"""What the viewer says about the stream, in words: the state badge and the image's corner text.

One function decides the displayed state from the ViewerState, so the status bar, the HUD and
the tests agree on what "stalled" or "reconnecting" means.
"""

from __future__ import annotations

from pathlib import Path

from vesselscope.gui.state import ViewerState
from vesselscope.gui.theme import STATE_COLOURS

# A live source retries a lost link forever until closed, so "disconnected" is reconnecting.
_STREAM_WORDS = {"disconnected": "reconnecting"}


def display_state(state: ViewerState) -> str:
    """idle, playing, paused (recordings); connecting, live, stalled, reconnecting, ended,
    frozen (streams)."""
    if state.source is None:
        return "idle"
    if not state.source.live:
        return "playing" if state.playing else "paused"
    if state.frozen:
        return "frozen"
    return _STREAM_WORDS.get(state.stream, state.stream)


def source_name(state: ViewerState) -> str:
    if state.source is None:
        return ""
    path = state.source.path
    return path if "://" in path else Path(path).name


def position_text(state: ViewerState) -> str:
    """Frame counter and time: "Frame 13 / 60  ·  0.40 s", or the cine buffer when frozen."""
    source, frame = state.source, state.frame
    if source is None or frame is None:
        return ""
    if source.live:
        # frames counted from 1, as in a recording and in the Measure panel's list
        number = frame.index + 1
        if state.frozen:  # the frame's number too: a caliper is listed with it
            return f"Cine {state.index + 1} / {state.buffered}  ·  frame {number}"
        word = display_state(state)
        if word != "live":  # stalled, reconnecting, ended: the image is no longer live
            return f"{word.capitalize()}  ·  last frame {number}"
        return f"Live  ·  frame {number}"
    position = f"Frame {frame.index + 1} / {source.frame_count}"
    if source.fps is None:  # stills, or a recording without timing: no time to make up
        return position
    return f"{position}  ·  {frame.index / source.fps:.2f} s"


def stale_notice(state: ViewerState, silent_s: float, waiting: bool = False) -> str:
    """Over a live stream's last image once no new one comes ("STALLED · no new image for
    6 s"), and, `waiting`, after the link came back until a new image does ("CONNECTED · ...":
    the old one is not live); "" while live, frozen by the user, or without an image."""
    if state.source is None or not state.source.live or state.frame is None or state.frozen:
        return ""
    word = display_state(state)
    if word == "live":
        if not waiting:
            return ""
        word = "connected"
    return f"{word.upper()}  ·  no new image for {silent_s:.0f} s"


def hud_lines(state: ViewerState) -> list[str]:
    frame = state.frame
    if state.source is not None and frame is None and state.source.live:
        # nothing to show yet: say why, rather than a black view
        word = display_state(state)
        reason = f": {state.stream_reason}" if state.stream_reason else ""
        return [source_name(state), f"No image yet ({word}{reason})"]
    if state.source is None or frame is None:
        return []
    lines = [source_name(state), position_text(state)]
    if frame.spacing_mm is not None:
        row, col = frame.spacing_mm
        depth = frame.shape[0] * row
        pitch = f"{row:.3f} mm/px" if row == col else f"{row:.3f} x {col:.3f} mm/px"
        lines.append(f"Depth {depth:.1f} mm  ·  {pitch}")
    else:
        lines.append("Pixel spacing unknown: readings in px")
    lines.append(f"Preset {state.preset}")
    return lines


def badges(state: ViewerState) -> list[tuple[str, str]]:
    """(text, colour) shown over the image's top-right corner, most urgent first."""
    shown = []
    if state.recording:
        shown.append(("● REC", "#d0453b"))
    word = display_state(state)
    if word in ("frozen", "stalled", "reconnecting", "connecting", "ended"):
        shown.append((word.upper(), STATE_COLOURS[word]))
    link = _STREAM_WORDS.get(state.stream, state.stream)
    if word == "frozen" and link in ("stalled", "reconnecting", "connecting", "ended"):
        shown.append((link.upper(), STATE_COLOURS[link]))  # a frozen view hides a lost link
    if state.source is not None and not state.source.live and state.speed != 1.0:
        shown.append((f"{state.speed:g}x", STATE_COLOURS["paused"]))
    return shown
