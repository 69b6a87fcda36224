"""The dark look of ultrasound consoles: a black image field, grey chrome, coloured state.

Scanners are read in dim rooms; a light window beside the image dazzles and hides low echoes.
Colours of vessels come from the core's overlay (artery red, vein blue, unknown amber), so the
viewer, the exported video and the evaluation report draw the same vessel the same way.
"""

from __future__ import annotations

from PyQt6.QtGui import QColor, QFont, QPalette
from PyQt6.QtWidgets import QApplication

from vesselscope.evaluation.overlay import COLOURS, REJECTED_COLOUR

BACKGROUND = "#15181c"
PANEL = "#1f2329"
RAISED = "#2a2f37"
TEXT = "#d8dde3"
DIM_TEXT = "#8a939e"
ACCENT = "#3d8fd6"
CALIPER = QColor(120, 230, 235)
STATE_COLOURS = {  # the status badge: green running, amber attention, red trouble
    "playing": "#2faa55",
    "live": "#2faa55",
    "paused": "#6b7480",
    "frozen": "#3d8fd6",
    "connecting": "#c89b2c",
    "stalled": "#d9822b",
    "reconnecting": "#d0453b",
    "ended": "#d0453b",
    "idle": "#6b7480",
}


def vessel_colour(label: str) -> QColor:
    return QColor(*COLOURS.get(label, COLOURS["unknown"]))


def rejected_colour() -> QColor:
    return QColor(*REJECTED_COLOUR)


STYLE = f"""
QWidget {{ color: {TEXT}; }}
QMainWindow, QDialog {{ background: {BACKGROUND}; }}
QDockWidget::title {{ background: {PANEL}; padding: 5px; font-weight: bold; }}
QTabWidget::pane {{ border: 1px solid {RAISED}; background: {PANEL}; }}
QTabBar::tab {{ background: {BACKGROUND}; padding: 6px 12px; border: 1px solid {RAISED}; }}
QTabBar::tab:selected {{ background: {PANEL}; border-bottom-color: {PANEL}; }}
QPushButton, QToolButton {{
    background: {RAISED}; border: 1px solid #3a414b; border-radius: 3px; padding: 4px 10px;
}}
QPushButton:hover, QToolButton:hover {{ background: #343a44; }}
QPushButton:checked, QToolButton:checked {{ background: {ACCENT}; color: white; }}
QPushButton:disabled, QToolButton:disabled {{ color: #555c66; }}
QStatusBar {{ background: {PANEL}; border-top: 1px solid {RAISED}; }}
QStatusBar QLabel {{ padding: 0 6px; }}
QListWidget {{ background: {BACKGROUND}; border: 1px solid {RAISED}; }}
QListWidget::item:selected {{ background: {ACCENT}; }}
QSlider::groove:horizontal {{ height: 6px; background: {RAISED}; border-radius: 3px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 3px; }}
QSlider::handle:horizontal {{
    background: {TEXT}; width: 12px; margin: -5px 0; border-radius: 6px;
}}
QLabel#dim {{ color: {DIM_TEXT}; }}
QLabel#title {{ font-size: 22pt; font-weight: 300; }}
QLabel#badge {{ border-radius: 3px; padding: 2px 8px; color: white; font-weight: bold; }}
QLabel#error {{ color: #ff7b72; }}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")  # the same look on every platform, and it honours the palette
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: PANEL,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BACKGROUND,
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: RAISED,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: RAISED,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: DIM_TEXT,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#555c66"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#555c66"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
    font = QFont("DejaVu Sans", 9)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    app.setFont(font)
