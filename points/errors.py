"""Errors of the points app."""
from core.errors import Conflict


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_detail = "积分不足 (not enough points)."
