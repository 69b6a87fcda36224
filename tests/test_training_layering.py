"""The training package uses the runtime's public contracts only (DESIGN.md), never its insides."""

import ast
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1] / "training" / "vesselscope_train"
PUBLIC = {
    "vesselscope",
    "vesselscope.annotations",
    "vesselscope.candidates",
    "vesselscope.classifier",
    "vesselscope.simulator",
}


def _runtime_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n == "vesselscope" or n.startswith("vesselscope.")]


def test_training_imports_only_public_runtime_modules():
    sources = sorted(TRAINING.glob("*.py"))
    assert sources, f"no training sources under {TRAINING}"
    used = {name: path.name for path in sources for name in _runtime_imports(path)}
    private = {name: where for name, where in used.items() if name not in PUBLIC}
    assert not private, f"training reaches into runtime internals: {private}"
    assert {"vesselscope.candidates", "vesselscope.classifier"} <= set(used)
