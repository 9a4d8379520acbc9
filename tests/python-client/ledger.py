"""A native Dapr app written with the Python Dapr SDK (FastAPI and its
``fastapi`` extra) that hosts the actor type ``Ledger``, for the test in
which an actor hosted in Wasm calls an actor hosted natively.

    ledger.py PORT    serves on 127.0.0.1:PORT until stopped

``add(item)`` appends ``item`` (a JSON string) to the ledger's ``items`` in
actor state and answers how many it holds; ``items()`` answers them. Actor
state goes through the daprd at ``DAPR_HTTP_PORT``.
"""

import contextlib
import sys

import uvicorn
from dapr.actor import Actor, ActorInterface, actormethod
from dapr.ext.fastapi import DaprActor
from fastapi import FastAPI


class LedgerInterface(ActorInterface):
    @actormethod(name="add")
    async def add(self, item: str) -> int: ...

    @actormethod(name="items")
    async def items(self) -> list: ...


class Ledger(Actor, LedgerInterface):
    async def add(self, item: str) -> int:
        items = await self.items() + [item]
        await self._state_manager.set_state("items", items)
        await self._state_manager.save_state()
        return len(items)

    async def items(self) -> list:
        found, items = await self._state_manager.try_get_state("items")
        return items if found else []


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI):
    await actors.register_actor(Ledger)
    yield


app = FastAPI(lifespan=lifespan)
actors = DaprActor(app)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
