"""run_viewer: the QApplication, themed, with the main window; what `vesselscope view` runs.

Besides the interactive viewer it has two unattended modes, both used for this project's
documentation: --measure (play and report how long the event loop was blocked) and
--screenshot (save a picture of the window and quit).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QSettings, QTimer
from PyQt6.QtGui import QIcon
from PyQt6.QtWidgets import QApplication

from vesselscope.detection.detector import DetectorSettings
from vesselscope.gui.heartbeat import EventLoopMonitor
from vesselscope.gui.main_window import MainWindow
from vesselscope.gui.state import SourceInfo
from vesselscope.gui.theme import apply_theme


@dataclass(frozen=True)
class ViewerOptions:
    source: str | None = None
    spacing_mm: float | None = None
    preset: str | None = None  # None: the one remembered from the last run
    model: str | None = None
    device: str | None = None
    track: bool = True  # False: every frame on its own (a folder of stills is so already)
    settings_path: str | None = None  # an INI file instead of the user's settings
    play: bool = False
    measure_s: float | None = None
    screenshot: str | None = None
    screenshot_after_s: float = 4.0


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("VesselScope")
    app.setApplicationName("VesselScope viewer")
    apply_theme(app)
    icon = _icon_file()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def _icon_file() -> Path | None:
    """packaging/vesselscope.svg: beside the package in a checkout, at the root of a bundle.

    An installed wheel has neither; its desktop entry names the icon from the icon theme.
    """
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller
    folders = [Path(bundle)] if bundle else []
    folders.append(Path(__file__).resolve().parents[2] / "packaging")
    return next((f / "vesselscope.svg" for f in folders if (f / "vesselscope.svg").is_file()), None)


def run_viewer(options: ViewerOptions) -> int:
    app = create_app()
    settings = (
        QSettings(options.settings_path, QSettings.Format.IniFormat)
        if options.settings_path
        else QSettings()
    )
    window = MainWindow(settings, DetectorSettings(device=options.device, track=options.track))
    overrides = {"preset": options.preset, "model": options.model}
    window.state.update(**{k: v for k, v in overrides.items() if v is not None})
    if options.play or options.measure_s:
        window.controller.opened.connect(lambda info: _play(window, info))
    if options.measure_s:
        window.state.loop = True  # a short recording must not end the measurement early
        _measure(app, window, options.measure_s)
    if options.screenshot:
        failures: list[str] = []
        window.controller.failed.connect(failures.append)
        QTimer.singleShot(
            round(options.screenshot_after_s * 1000),
            lambda: _shoot(app, window, options.screenshot, failures),
        )
    window.show()
    if options.source:
        window.open_path(options.source, options.spacing_mm)
    try:
        return app.exec()
    finally:
        window.close()  # stops the worker even when the loop was quit, not the window closed


def _play(window: MainWindow, info: SourceInfo) -> None:
    if not info.live:
        window.state.playing = True


def _shoot(app: QApplication, window: MainWindow, path: str, failures: list[str]) -> None:
    window.grab().save(path)
    print(f"wrote {path}")
    if failures and window.state.source is None:  # the picture shows the error, not a source
        print(f"vesselscope: error: {failures[0]}", file=sys.stderr)
        app.exit(2)
    else:
        app.quit()


def _measure(app: QApplication, window: MainWindow, seconds: float) -> None:
    """Once the first frame is on screen, watch the event loop for `seconds`, print, quit."""
    monitor = EventLoopMonitor(parent=window)

    def first_frame(name: str) -> None:
        if name == "frame" and window.state.frame is not None:
            remove()
            monitor.start()
            QTimer.singleShot(round(seconds * 1000), report)

    def report() -> None:
        monitor.stop()
        figures, stats = monitor.summary(), window.state.stats
        print(
            f"event loop blocked while playing {window.state.source.path} for {seconds:g} s: "
            f"max {figures['max_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
            f"p95 {figures['p95_ms']:.1f} ms, median {figures['p50_ms']:.2f} ms "
            f"over {figures['beats']} heartbeats of {monitor.interval_ms} ms"
        )
        if stats is not None and window.state.detector is not None:
            print(
                f"frames: in {stats.fps_in:.1f} fps, detected and shown {stats.fps_out:.1f} fps, "
                f"dropped {stats.dropped}; device {window.state.detector.device}"
            )
        app.quit()

    def failed(message: str) -> None:
        if window.state.frame is None:  # nothing to measure will ever come
            print(f"vesselscope: error: {message}", file=sys.stderr)
            app.exit(2)

    remove = window.state.subscribe(first_frame)
    window.controller.failed.connect(failed)
