from .members import Member

__all__ = ["Member"]
