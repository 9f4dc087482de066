"""The home page's panels: each app registers what a role would look at first (its figures at a glance, a chart),
and the home page shows the panels of the signed-in user's role above the links to every page."""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class HomePanel:
    title: str | Promise
    template: str  # rendered with `panel`: the figures' dict
    figures: Callable  # figures(user) -> dict, or None when the panel has nothing to show the user
    roles: frozenset[str]
    order: int = 100
    wide: bool = False  # a chart's panel: twice as wide


_panels: list[HomePanel] = []


def register_home_panel(
    title: str | Promise, template: str, figures: Callable, *, roles: set[str] | frozenset[str], order: int = 100, wide: bool = False,
) -> None:
    """Show `template` on the home page of `roles` under `title` (call from an AppConfig.ready); `figures(user)` gives
    its context, a constant number of queries, or None to leave the panel out; `wide` for a chart."""
    panel = HomePanel(title, template, figures, frozenset(roles), order, wide)
    if panel not in _panels:
        _panels.append(panel)


def home_panels(user) -> list[dict]:
    """The panels of the user's role in their order, each with `title`, `template`, its `figures` and `wide`."""
    shown = []
    for panel in sorted((p for p in _panels if user.role in p.roles), key=lambda p: p.order):
        figures = panel.figures(user)
        if figures is not None:
            shown.append({"title": panel.title, "template": panel.template, "figures": figures, "wide": panel.wide})
    return shown
