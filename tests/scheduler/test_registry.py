"""Every registered plugin implements the Protocols of the extension points it takes part in,
and its NAME is the name it is registered under."""

from __future__ import annotations

import pytest

from kbench.scheduler.framework import EXTENSION_POINTS
from kbench.scheduler.plugins import registry


@pytest.mark.parametrize("name", registry.names())
def test_plugin_shape(name: str) -> None:
    cls = registry.plugin_class(name)
    assert cls.NAME == name
    plugin = cls(None)
    for point in registry.extension_points(cls):
        proto = EXTENSION_POINTS.get(point)
        if proto is not None:
            assert isinstance(plugin, proto), (name, point)
