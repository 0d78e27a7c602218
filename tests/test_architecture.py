"""The layers of docs/architecture.md hold: no module imports from a layer above its own.

Every ``import innoscore.X`` and ``from innoscore.X import ...`` counts, at the top of a module or inside a
function.  The checker is tested too: an upward import written into a module's text is reported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "innoscore"

# low to high; a module may import its own layer and those below (docs/architecture.md)
LAYERS = {
    "errors": 0, "config": 0, "io": 0, "keys": 0, "resources": 0,
    "data": 1, "policy": 1, "certification_rules": 1,
    "indicators": 2,
    "points": 3, "credit": 3,
    "matching": 4,
    "monitoring": 5, "report": 5, "weights": 5, "notebook": 5, "serve": 5,
    "run": 6, "publish": 6, "demo": 6,
    "cli": 7,
}


def _room(module: str) -> str:
    """The top-level room of a dotted module name inside innoscore (``innoscore.points.engine`` -> points)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "innoscore" else ""


def violations(sources: dict[str, str]) -> list[str]:
    """Upward imports in ``sources`` (module path relative to src/innoscore -> its text), and modules of no
    known layer, as lines naming the file, the line and what it imports."""
    found = []
    for rel, text in sorted(sources.items()):
        room = Path(rel).with_suffix("").parts[0]
        if room == "__init__":
            continue
        if room not in LAYERS:
            found.append(f"{rel}: room {room!r} has no layer in LAYERS (docs/architecture.md)")
            continue
        for node in ast.walk(ast.parse(text, filename=rel)):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                target = _room(name)
                if target and target in LAYERS and LAYERS[target] > LAYERS[room]:
                    found.append(f"{rel}:{node.lineno}: imports {name} (layer {LAYERS[target]} {target}) from layer "
                                 f"{LAYERS[room]} {room}")
    return found


def _sources() -> dict[str, str]:
    return {str(p.relative_to(SRC)): p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}


def test_no_module_imports_a_layer_above_its_own():
    sources = _sources()
    assert len(sources) > 50
    assert violations(sources) == []


@pytest.mark.parametrize("room, line", [
    ("data/contract.py", "from innoscore.points.engine import score"),
    ("points/engine.py", "    import innoscore.matching.rules"),
    ("matching/tiers.py", "def f():\n    from innoscore.run import run_month\n"),
])
def test_an_upward_import_is_reported(room, line):
    sources = _sources()
    sources[room] = sources[room] + "\n" + ("def g():\n" + line if line.startswith("    ") else line) + "\n"
    found = violations(sources)
    assert len(found) == 1 and found[0].startswith(room + ":") and "imports innoscore." in found[0]


def test_a_new_room_must_be_given_a_layer():
    sources = _sources()
    sources["newroom/thing.py"] = "x = 1\n"
    assert violations(sources) == ["newroom/thing.py: room 'newroom' has no layer in LAYERS (docs/architecture.md)"]


def test_the_architecture_notes_list_every_layer():
    notes = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for room in LAYERS:
        assert f"`{room}" in notes, f"docs/architecture.md does not mention {room}"


LONG = 420  # lines: "about 400"


def long_without_reason(sources: dict[str, str]) -> dict[str, int]:
    """Modules over ~400 lines whose docstring does not say why they are one module."""
    long = {}
    for rel, text in sources.items():
        if text.count("\n") > LONG and "Why one module" not in (ast.get_docstring(ast.parse(text)) or ""):
            long[rel] = text.count("\n")
    return long


def test_a_long_module_says_why_at_its_top():
    long = long_without_reason(_sources())
    assert not long, f"modules over ~400 lines without a reason at their top: {long}"


def test_the_long_module_check_can_fail():
    body = "x = 1\n" * (LONG + 1)
    assert long_without_reason({"room/big.py": '"""A module."""\n' + body}) == {"room/big.py": LONG + 2}
    assert long_without_reason({"room/big.py": '"""A module.\n\nWhy one module: it is one thing."""\n' + body}) == {}
