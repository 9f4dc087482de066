import re
from pathlib import Path

from django.conf import settings

STYLESHEET = Path(settings.BASE_DIR) / "core" / "static" / "core" / "portal.css"
COMMENT = re.compile(r"/\*.*?\*/", re.S)


def wide_screen_rules(css: str) -> list[tuple[list[str], str]]:
    """(selectors, declarations) of each rule outside an @media block: what every screen, a desktop's too, is given."""
    rules, depth, start, prelude = [], 0, 0, ""
    for position, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude, start = css[start:position].strip(), position + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if not prelude.startswith("@"):
                    rules.append(([selector.strip() for selector in prelude.split(",")], css[start:position]))
                start = position + 1
    return rules


def matches_a_cards_table(selector: str) -> bool:
    """Whether the selector's subject (its last compound) can be a <table class="cards">."""
    subject = re.split(r"[\s>+~]+", selector)[-1]
    element = re.match(r"[a-z][a-z0-9]*", subject)
    return ".cards" in re.findall(r"\.[\w-]+", subject) and (element is None or element.group() == "table")


def test_on_a_wide_screen_a_members_table_of_cards_stays_a_table_with_its_headings_over_their_columns():
    css = COMMENT.sub("", STYLESHEET.read_text(encoding="utf-8"))

    laid_out = [
        selector for selectors, declarations in wide_screen_rules(css) for selector in selectors
        if re.search(r"display\s*:\s*(grid|flex|block)", declarations) and matches_a_cards_table(selector)
    ]

    assert laid_out == []
    assert any("ul.cards" in selectors for selectors, declarations in wide_screen_rules(css) if "grid" in declarations)
