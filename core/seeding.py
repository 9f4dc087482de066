"""Demo data steps: each app registers its own, `manage.py seed_demo` runs them in order."""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SeedStep:
    order: int
    label: str
    run: Callable[..., None]


_steps: list[SeedStep] = []


def register_seed(order: int, label: str) -> Callable:
    """Register the decorated function(*, now, progress) as a demo-data step; it must be safe to run twice."""

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        if all(step.run is not fn for step in _steps):
            _steps.append(SeedStep(order, label, fn))
        return fn

    return decorate


def seed_steps() -> list[SeedStep]:
    return sorted(_steps, key=lambda step: step.order)
