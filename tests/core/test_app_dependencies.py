"""Apps depend one way, core ← suppliers ← points ← logistics ← settlement (SPEC §6): no module of an app, its demo
data steps and migrations included, imports a higher app, even inside a function."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["core", "suppliers", "points", "logistics", "settlement"]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the file, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_module_of_an_app_imports_a_higher_app():
    modules = {app: sorted((ROOT / app).rglob("*.py")) for app in LAYERS}

    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for level, app in enumerate(LAYERS)
        for path in modules[app]
        for line, module in imported_modules(path)
        if module.split(".")[0] in LAYERS[level + 1:]
    ]

    assert upward == []
    scanned = {str(path.relative_to(ROOT)) for paths in modules.values() for path in paths}
    assert {"points/seed_complaints.py", "logistics/seed.py", "points/services/complaints/intake.py"} <= scanned
