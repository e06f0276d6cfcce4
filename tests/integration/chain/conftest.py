from __future__ import annotations

from .realnode import anvil_node  # noqa: F401  (fixture)
