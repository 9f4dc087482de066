"""The SMS gateway's stand-in for checking a deployment's settings (`make check-deploy`, tests/core/test_settings_switching.py):
a backend whose `send` is implemented, accepting every message and sending it nowhere, where the real gateway's class
goes. Never a deployment's own: it texts nobody, without even a file to read them from."""
from core.notifications.backends import Backend


class GatewayStandIn(Backend):
    def send(self, *, message_id: str, phone: str, body: str) -> None:
        return None
