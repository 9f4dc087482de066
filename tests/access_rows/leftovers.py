"""Access-matrix rows of this area; see tests/access.py for the format."""
ROWS: dict = {}
