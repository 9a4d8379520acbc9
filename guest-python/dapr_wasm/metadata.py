"""What the runtime knows about this app (Dapr's metadata API)."""

from __future__ import annotations

from dataclasses import dataclass

from . import _wit
from ._wit import call

__all__ = ["Component", "AppMetadata", "get"]


@dataclass
class Component:
    """A component this app can use."""

    name: str
    """Its name, such as ``statestore``."""
    component_type: str
    """Its Dapr type, such as ``state.redis``."""
    version: str
    """Its version, such as ``v1``."""


@dataclass
class AppMetadata:
    """This app and its runtime."""

    app_id: str
    """The app's id."""
    runtime: str
    """The runtime serving it (the embedded backend or daprd, with versions)."""
    components: list[Component]
    """The components the app can use."""


def get() -> AppMetadata:
    """The app's metadata."""
    meta = call(_wit.metadata.get)
    components = [Component(c.name, c.component_type, c.version) for c in meta.components]
    return AppMetadata(meta.app_id, meta.runtime, components)
