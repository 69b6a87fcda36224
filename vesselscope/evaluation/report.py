"""Write an evaluation's metrics.json, PNG plots and an offline report.html."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # never a GUI backend: the core runs headless and must not load Qt

import cv2  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vesselscope.evaluation.metrics import Evaluation  # noqa: E402


def write_report(
    folder: Path, evaluation: Evaluation, summary: dict, worst: list[tuple[str, np.ndarray]]
) -> Path:
    """metrics.json, pr_curve.png, latency.png, worst_*.png and report.html into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("worst_*.png"):  # a report written here before, of another run
        if re.fullmatch(r"worst_\d+\.png", stale.name):  # ours only, not worst_case.png
            stale.unlink()
    (folder / "metrics.json").write_text(json.dumps(summary, indent=1))
    images = {
        "pr_curve.png": _pr_curve(folder / "pr_curve.png", summary),
        "latency.png": _latency(folder / "latency.png", evaluation),
    }
    for index, (caption, picture) in enumerate(worst):
        path = folder / f"worst_{index + 1}.png"
        cv2.imwrite(str(path), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
        images[path.name] = caption
    page = folder / "report.html"
    page.write_text(_html(folder, summary, images))
    return page


def _pr_curve(path: Path, summary: dict) -> str:
    # thresholds where nothing was detected have no precision: left out of the curve
    sweep = {
        t: v
        for t, v in summary["precision_recall_by_threshold"].items()
        if v["precision"] is not None
    }
    thresholds = [float(t) for t in sweep]
    precision = [sweep[t]["precision"] for t in sweep]
    recall = [sweep[t]["recall"] or 0.0 for t in sweep]
    figure, axis = plt.subplots(figsize=(5, 4), dpi=100)
    axis.plot(recall, precision, "o-", markersize=3)
    for t, r, p in zip(thresholds, recall, precision, strict=True):
        if round(t * 100) % 20 == 0:
            axis.annotate(f"{t:.1f}", (r, p), textcoords="offset points", xytext=(4, 4))
    axis.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02))
    axis.set_title("Candidates at each threshold (classifier alone)")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return (
        "Precision and recall of every candidate the classifier scores at or above each "
        "threshold (labels: threshold), frame by frame: before one outline per vessel is kept, "
        "an outline over two vessels dropped, and tracking, so at the threshold in use they "
        "differ from the figures above."
    )


def _latency(path: Path, evaluation: Evaluation) -> str:
    figure, axis = plt.subplots(figsize=(5, 4), dpi=100)
    for stage, values in sorted(evaluation.timings.items()):
        axis.hist(values, bins=40, alpha=0.5, label=stage)
    axis.set(xlabel="ms per frame", ylabel="frames")
    axis.legend()
    axis.set_title("Latency per stage")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return "Latency per stage, per frame."


def _html(folder: Path, summary: dict, images: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in summary.items()
        if k not in ("precision_recall_by_threshold", "latency_ms")
    )
    latency = "".join(
        f"<tr><th>{html.escape(stage)}</th>"
        + "".join(f"<td>{v.get(p, float('nan')):.2f}</td>" for p in ("p50", "p95", "p99"))
        + "</tr>"
        for stage, v in summary["latency_ms"].items()
    )
    figures = "".join(
        f'<figure><img src="data:image/png;base64,{_b64(folder / name)}" alt="{name}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for name, caption in images.items()
    )
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>VesselScope evaluation</title><style>
body{{font-family:sans-serif;margin:2em;max-width:70em}} table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:.3em .6em;text-align:left}} figure{{display:inline-block;
margin:1em}} img{{max-width:32em}}</style></head><body>
<h1>VesselScope evaluation</h1><h2>Metrics</h2><table>{rows}</table>
<h2>Latency (ms)</h2><table><tr><th>stage</th><th>p50</th><th>p95</th><th>p99</th></tr>
{latency}</table><h2>Plots and worst frames</h2>{figures}
<p>Truth: dashed green. Detections: artery red, vein blue, unknown amber.</p></body></html>"""


def _fmt(value: object) -> str:
    if value is None:  # undefined: no detections for a precision, no vessels for a recall
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list):  # e.g. one entry per fold model
        return "; ".join(_fmt(v) for v in value)
    return str(value)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")
