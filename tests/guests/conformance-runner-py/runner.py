"""The Python runner of the conformance scenarios: implements world
``dapr:conformance/actor-runner`` as tests/conformance/README.md describes.

``execute`` translates one JSON step to a ``dapr:runtime`` call and its
outcome back to JSON (:mod:`steps`); the ``handler`` export records what the
host delivers in ``statestore`` so scenarios can observe it (:mod:`events`);
the ``actor`` export hosts the test actor type ``conformance-actor``
(:mod:`actor`).
"""

import actor
import dapr_wasm
import events
import steps
import wit_world

Handler = events.app.handler()
Actor = dapr_wasm.host_actors(actor.ConformanceActor)


class WitWorld(wit_world.WitWorld):
    """The world's own export, ``execute``."""

    def execute(self, step: str) -> str:
        """Runs one step (see :func:`steps.execute`)."""
        return steps.execute(step)
