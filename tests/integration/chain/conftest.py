from __future__ import annotations

from collections.abc import Iterator

import pytest

from mainframe_os.node.chain.devchain import DevChain

from .realnode import anvil_node  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    """A dev chain of the test module's own (a module may define its own `chain` instead)."""
    chain = DevChain.open(tmp_path_factory.mktemp("chain") / "chain")
    try:
        yield chain
    finally:
        chain.close()
