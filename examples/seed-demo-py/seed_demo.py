"""Seeds a state store and checks that the values read back unchanged.

Saves ``weapon`` with one save and ``planets`` with a bulk save, reads both
back and prints ``Test successfully!`` (exit code 0) if they round-trip;
otherwise reports the difference on stderr (exit code 1). The store is
``statestore`` unless given as the first argument.
"""

import sys
from typing import Any

from dapr_wasm import DaprError, command, state
from dapr_wasm.state import SaveItem

WEAPON = "Death Star"
PLANET = {"name": "Tatooine", "test": 123}


def seed(store: str) -> list[str]:
    """Seeds ``store`` and returns what did not round-trip."""
    state.save_json(store, "weapon", WEAPON)
    state.save_bulk(store, [SaveItem.json("planets", PLANET)])
    problems: list[str] = []
    for key, expected in [("weapon", WEAPON), ("planets", PLANET)]:
        check(problems, key, expected, state.get(store, key))
    return problems


def check(problems: list[str], key: str, expected: Any, item: "state.StateItem | None") -> None:
    """Records a problem unless ``key`` read back as ``expected``."""
    if item is None:
        problems.append(f"`{key}`: expected {expected!r}, but the key is missing")
        return
    try:
        actual = item.json()
    except ValueError:
        problems.append(f"`{key}`: expected {expected!r}, read non-JSON {item.text()!r}")
        return
    if actual != expected:
        problems.append(f"`{key}`: expected {expected!r}, read {actual!r}")


def main() -> int:
    """Runs the demo against the store named by the first argument."""
    store = sys.argv[1] if len(sys.argv) > 1 else "statestore"
    try:
        problems = seed(store)
    except DaprError as error:
        print(f"state store `{store}`: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print("Test successfully!")
    return 0


Run = command(main)
