"""No code outside core/fsm.py writes a workflow `state` with a queryset update (SPEC §4: transitions only)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "suppliers", "points", "logistics", "settlement"]
SANCTIONED = {ROOT / "core" / "fsm.py"}


def state_writes_in(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"update", "bulk_update"}:
            keywords = {kw.arg for kw in node.keywords}
            positional_fields = [a.value for a in node.args if isinstance(a, ast.List) for a in a.elts if isinstance(a, ast.Constant)]
            if "state" in keywords or "state" in positional_fields:
                lines.append(node.lineno)
    return lines


def test_only_the_bulk_transition_helper_writes_state_with_update():
    offenders = {
        f"{path.relative_to(ROOT)}:{line}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path not in SANCTIONED and "migrations" not in path.parts
        for line in state_writes_in(path)
    }

    assert offenders == set()


def test_the_scan_finds_a_state_update_when_there_is_one(tmp_path):
    offending = tmp_path / "bad.py"
    offending.write_text("Order.objects.filter(pk=1).update(state='paid')\nrows.bulk_update(objs, ['state'])\n")

    assert state_writes_in(offending) == [1, 2]
