import io
import logging

import pytest


@pytest.fixture
def console_log():
    """What the console handler of the LOGGING setting writes meanwhile."""
    console = next(handler for handler in logging.getLogger().handlers if type(handler) is logging.StreamHandler)
    written = io.StringIO()
    previous = console.setStream(written)
    yield written
    console.setStream(previous)
