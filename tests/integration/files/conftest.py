"""Files tests between real nodes use messaging's network of peers (one fixture, in comms)."""

from tests.integration.comms.conftest import peers

__all__ = ["peers"]
