"""Drives the cart actor (examples/cart-actor) with the Python Dapr SDK's
actor client, through the daprd at DAPR_HTTP_PORT.

    cart.py add USER ITEM...   prints the cart's size after each addition
    cart.py items USER         prints the cart's items (a JSON list)
"""

import asyncio
import sys

from dapr.actor import ActorId, ActorProxy


async def main(command: str, user: str, items: list[str]) -> None:
    cart = ActorProxy.create("cart", ActorId(user))
    if command == "add":
        for item in items:
            size = await cart.invoke_method("add", item.encode())
            print(size.decode())
    elif command == "items":
        print((await cart.invoke_method("items")).decode())
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
