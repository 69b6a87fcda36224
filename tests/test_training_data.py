"""vesselscope-train's data side: palette masks, groups, overlap labels, folds, the harvest."""

from __future__ import annotations

import numpy as np
import pytest

SKIP = "the training package needs torch (pip install -e ./training)"
pytest.importorskip("torch", reason=SKIP)
pytest.importorskip("vesselscope_train", reason="the training package is not installed")

from vesselscope_train import cli, real_data  # noqa: E402
from vesselscope_train.cli import main  # noqa: E402
from vesselscope_train.dataset import load_dataset  # noqa: E402
from vesselscope_train.folds import grouped_folds  # noqa: E402
from vesselscope_train.labels import AMBIGUOUS, NEGATIVE, POSITIVE, overlap, truth_regions  # noqa: E402
from vesselscope_train.metrics import best_threshold, crop_metrics, summary_line  # noqa: E402
from vesselscope_train.outlines import jittered, region_ellipses  # noqa: E402

from tests.training_factory import write_crop_dataset, write_usgra_folder  # noqa: E402
from vesselscope import Frame  # noqa: E402
from vesselscope.annotations import EllipseAnnotation  # noqa: E402


def test_palette_masks_are_read_as_indices_not_colours(tmp_path):
    folder = write_usgra_folder(tmp_path / "usgra", count=1)
    mask = real_data.read_class_mask(folder / "masks/0000.png")
    assert set(np.unique(mask)) == {0, 1, 2}  # OpenCV would give BGR colours here
    vessels, nerves = real_data.class_regions(folder / "masks/0000.png", mask.shape)
    assert vessels.max() == 1 and vessels[48, 48] == 1 and vessels[15, 15] == 0
    assert nerves.max() == 1 and nerves[15, 15] == 1 and nerves[48, 48] == 0


def test_mask_of_another_size_is_refused(tmp_path):
    folder = write_usgra_folder(tmp_path / "usgra", count=1)
    with pytest.raises(ValueError, match="mask is"):
        real_data.class_regions(folder / "masks/0000.png", (90, 96))


def test_near_duplicate_images_share_a_group():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (64, 64)).astype(np.uint8)
    other = rng.integers(0, 255, (64, 64)).astype(np.uint8)
    near = np.clip(base.astype(int) + rng.integers(-5, 5, base.shape), 0, 255).astype(np.uint8)
    frames = [Frame(p, None, 0, 0.0, "x") for p in (base, other, near)]
    groups = real_data.similarity_groups(frames)
    assert groups[0] == groups[2] != groups[1]


def test_overlap_labels_positive_negative_and_ambiguous():
    truth = [EllipseAnnotation(cx=50, cy=50, a=20, b=10)]
    regions = truth_regions((100, 100), truth)
    assert overlap(regions, truth[0], 0.0).label == POSITIVE
    assert overlap(regions, EllipseAnnotation(cx=15, cy=85, a=8, b=8), 0.0).label == NEGATIVE
    tiny_inside = overlap(regions, EllipseAnnotation(cx=50, cy=50, a=4, b=4), 0.0)
    assert tiny_inside.centre_inside and tiny_inside.label == AMBIGUOUS
    straddling = overlap(regions, EllipseAnnotation(cx=75, cy=50, a=8, b=8), 0.0)
    assert not straddling.centre_inside and straddling.label == AMBIGUOUS


def test_grouped_folds_keep_each_group_in_one_fold_and_mix_domains():
    groups = np.array([f"g{i // 3}" for i in range(60)])
    domains = np.array(["real" if i < 30 else "simulated" for i in range(60)])
    folds = grouped_folds(groups, domains, 5, seed=1)
    for group in set(groups):
        assert len(set(folds[groups == group])) == 1
    for fold in range(5):
        assert set(domains[folds == fold]) == {"real", "simulated"}
    with pytest.raises(ValueError, match="cannot fill"):
        grouped_folds(groups[:6], domains[:6], 5)


def test_real_images_named_in_capitals_are_taken_too(tmp_path):
    """images/0002.PNG was skipped without a word (QA)."""
    from vesselscope_train.real_data import list_real_images

    real = write_usgra_folder(tmp_path / "usgra", count=3)
    for folder in ("images", "masks"):
        (real / folder / "0002.png").rename(real / folder / "0002.PNG")
    names = [item.image.name for item in list_real_images(real)]
    assert names == ["0000.png", "0001.png", "0002.PNG"]


def test_vessel_data_command_harvests_real_and_simulated_crops(tmp_path, capsys):
    real = write_usgra_folder(tmp_path / "usgra")
    out = tmp_path / "data"
    code = main(
        [
            "vessel-data",
            "--real",
            str(real),
            "--real-spacing",
            "0.1",
            "--out",
            str(out),
            "--presets",
            "forearm",
            "--seeds",
            "1",
            "--frames",
            "1",
            "--sim-size",
            "128",
            "--size",
            "32",
            "--top-k",
            "5",
            "--device",
            "numpy",
            "--no-progress",  # logs without the bars' carriage returns
        ]
    )
    assert code == 0
    said = capsys.readouterr()
    assert "\r" not in said.err
    data = load_dataset(out)
    assert "vesselscope_commit" in data.meta  # which code harvested it (see provenance.py)
    assert data.crops.dtype == np.uint8 and data.crops.shape[1:] == (32, 32)
    domains = data.column("domain")
    assert {"real", "simulated"} == set(domains)
    real_records = [r for r in data.records if r["domain"] == "real"]
    found = [r for r in real_records if r["kind"] == "candidate"]
    assert any(r["label"] == POSITIVE for r in found)
    outlined = {
        r["kind"]: r["label"] for r in real_records if r["rank"] == 0 and r["kind"] != "candidate"
    }
    assert outlined == {"vessel-outline": POSITIVE, "nerve-outline": NEGATIVE}
    assert {r["source"] for r in real_records} == {"images/0000.png", "images/0001.png"}
    simulated = [r for r in data.records if r["domain"] == "simulated"]
    assert all(r["group"].startswith("sim-forearm-1") for r in simulated)
    # every true vessel of the frame also gives crops of its own ellipse, labelled a vessel
    sim_outlines = [r for r in simulated if r["kind"] == "vessel-outline"]
    assert sim_outlines and all(r["centre_inside"] for r in sim_outlines)
    assert POSITIVE in {r["label"] for r in sim_outlines}
    # the search's candidates apart from the outlines added beside them, each as harvested
    candidates = data.labels[data.column("kind") == "candidate"]
    assert said.out.startswith("wrote ") and "; outlines " in said.out
    assert f"candidates {int((candidates == 1).sum())} vessel, " in said.out


def test_vessel_data_without_the_real_folder_says_so(tmp_path, capsys):
    assert main(["vessel-data", "--real", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    assert "no usgra-seg images" in capsys.readouterr().err


def test_outline_ellipses_have_the_regions_moments():
    truth = EllipseAnnotation(cx=60, cy=40, a=25, b=10, angle_deg=30)
    regions = truth_regions((100, 120), [truth])
    (found,) = region_ellipses(regions)
    assert abs(found.cx - 60) < 0.5 and abs(found.cy - 40) < 0.5
    assert abs(found.a - 25) < 1.0 and abs(found.b - 10) < 1.0
    assert abs((found.angle_deg - 30 + 90) % 180 - 90) < 1.0
    variants = jittered(found, np.random.default_rng(0), 3)
    assert len(variants) == 4 and variants[0] == found


def test_crop_metrics_threshold_choice_and_auc():
    labels = np.array([1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.6, 0.7, 0.2, 0.1, 0.5])
    m = crop_metrics(labels, p, 0.5)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 0, 3)
    assert m["accuracy"] == 5 / 6 and m["precision"] == 2 / 3 and m["recall"] == 1.0
    assert m["auc"] == 7 / 8  # one of 8 vessel/background pairs is ranked the wrong way
    assert best_threshold(labels, p) == 0.5  # 0.45, 0.5 and 0.7 tie at 5/6: nearest 0.5 wins
    assert best_threshold(np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.7, 0.1])) == 0.7
    per_crop = crop_metrics(labels, p, np.array([0.5, 0.5, 0.8, 0.5, 0.5, 0.5]))
    assert per_crop["fp"] == 0
    # beside the accuracy, that of calling every crop "not a vessel"; unmeasurable is n/a
    line = summary_line("crops", crop_metrics(labels, np.zeros(6), 0.5))
    assert "accuracy 66.7% (always 'not a vessel': 66.7%;" in line and "precision n/a" in line


def _edit_table(folder, edit) -> None:
    lines = (folder / "crops.csv").read_text().splitlines()
    (folder / "crops.csv").write_text("\n".join(edit(lines)) + "\n")


def _label_to(text: str):
    def edit(lines: list[str]) -> list[str]:
        label = lines[0].split(",").index("label")
        fields = lines[2].split(",")
        fields[label] = text
        return [*lines[:2], ",".join(fields), *lines[3:]]

    return edit


@pytest.mark.parametrize(
    ("edit", "fault"),
    [
        (lambda lines: lines[:-1], r"crops\.csv: 21 rows for the 22 crops of crops\.npz"),
        (lambda lines: [*lines[:-1], lines[-1][:9]], r"crops\.csv: row 22 \(line 23\): no "),
        (lambda lines: [*lines[:3], lines[3] + ",extra", *lines[4:]], r"row 3 .*more fields"),
        (_label_to("7"), r"crops\.csv: row 2 \(line 3\): label '7' is not one of 1, 0, -1"),
        (_label_to("yes"), r"crops\.csv: row 2 \(line 3\): label 'yes' is not one of"),
        (lambda lines: [lines[0].replace("label", "lable"), *lines[1:]], "no label column"),
    ],
    ids=["row-missing", "truncated-row", "extra-field", "label-7", "label-yes", "no-column"],
)
def test_a_damaged_crop_table_is_refused_naming_the_row_and_the_fault(tmp_path, edit, fault):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    _edit_table(data, edit)
    with pytest.raises(ValueError, match=fault):
        load_dataset(data)


def test_a_hand_edited_crop_table_is_one_line_from_the_command(tmp_path, capsys):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    _edit_table(data, _label_to("yes"))
    assert main(["vessel", "--data", str(data), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vesselscope-train: error: ") and "crops.csv: row 2" in err


def test_vessel_data_to_a_folder_under_a_file_is_refused_before_harvesting(tmp_path, capsys):
    (tmp_path / "afile").write_text("a file where a folder should be")
    blocked = tmp_path / "afile" / "sub"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "harvest_dataset", lambda settings: pytest.fail("harvested"))
        assert main(["vessel-data", "--no-real", "--out", str(blocked)]) == 2
    assert f"error: --out {blocked}: cannot write there" in capsys.readouterr().err


@pytest.mark.parametrize("size", ["50", "8"])
def test_vessel_data_refuses_a_crop_size_the_network_cannot_take(tmp_path, capsys, size):
    with pytest.raises(SystemExit) as exit_:
        main(["vessel-data", "--no-real", "--out", str(tmp_path), "--size", size])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --size: input size must be a positive multiple of 16 (stride 2, three " in err


def test_vessel_data_refuses_a_preset_named_twice(tmp_path, capsys):
    args = ["vessel-data", "--no-real", "--out", str(tmp_path), "--presets", "femoral", "femoral"]
    assert main(args) == 2
    assert "error: --presets names femoral more than once" in capsys.readouterr().err


def test_datasets_and_models_record_the_commit_of_the_code_that_made_them(tmp_path, monkeypatch):
    """The search decides which crops a harvest holds: a version number alone did not tell
    two datasets apart (QA)."""
    import subprocess

    from vesselscope_train.provenance import source_commit

    import vesselscope

    def git(*args):
        done = subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, text=True)
        return done.stdout.strip()

    package = tmp_path / "vesselscope" / "__init__.py"
    package.parent.mkdir()
    package.write_text("")
    monkeypatch.setattr(vesselscope, "__file__", str(package))
    assert source_commit() is None  # not a checkout
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    head = git("rev-parse", "HEAD")
    assert len(head) == 40 and source_commit() == head
    package.write_text("changed = True\n")
    assert source_commit() == head + "+changes"
