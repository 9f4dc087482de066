"""Every 409 a client can get carries a code of its own, listed in the schema's ErrorResponse409 and in docs/api.md's
errors table: no service refuses with the bare `conflict` (a client could not tell two refusals apart)."""
import ast
from pathlib import Path

import django.apps

from core.api.errors import ErrorResponse409Serializer
from core.errors import Conflict

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "suppliers", "points", "logistics", "settlement"]


def conflicts(cls=Conflict) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct} | conflicts(direct)}


def conflict_codes() -> set[str]:
    for config in django.apps.apps.get_app_configs():  # every app's errors are imported
        if config.name in APPS:
            __import__(f"{config.name}.errors")
    __import__("settlement.errors")
    return {cls.code for cls in conflicts()}


def docs_409_row() -> str:
    return next(line for line in (ROOT / "docs" / "api.md").read_text().splitlines() if line.startswith("| 409 |"))


def test_no_service_refuses_with_a_bare_conflict():
    bare = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Conflict":
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert bare == []


def test_every_409_code_is_in_the_schema_and_the_docs():
    codes = conflict_codes()
    schema, docs = ErrorResponse409Serializer.__doc__, docs_409_row()

    assert "conflict" not in codes and len(codes) > 20
    assert sorted(code for code in codes if code not in schema) == []
    assert sorted(code for code in codes if f"`{code}`" not in docs) == []
