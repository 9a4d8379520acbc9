"""{{name}}: a command that checks the state store round trip.

Saves two values to the state store, reads them back and prints
``Test successfully!`` (exit code 0) when both come back unchanged;
otherwise it says on stderr what went wrong (exit code 1). The store is
``statestore``, or the one named by the first argument.

``wasmtime-dapr run`` calls ``main`` once with the Dapr imports; on the
embedded backend ``statestore`` is a SQLite file in ``--data-dir``. The
module's top-level code runs at build time, not per run.
"""

import sys
from typing import Any

from dapr_wasm import DaprError, command, state

VALUES: dict[str, Any] = {
    "greeting": "Hello from {{name}}!",
    "profile": {"name": "{{name}}", "languages": ["python", "wasm"]},
}
"""What is saved, by key: anything ``json`` can write."""


def round_trip(store: str) -> list[str]:
    """Saves ``VALUES`` to ``store`` and returns what did not read back."""
    for key, value in VALUES.items():
        state.save_json(store, key, value)
    problems = []
    for key, saved in VALUES.items():
        read = state.get_json(store, key)
        if read is None:
            problems.append(f"`{key}`: saved {saved!r}, but it is missing")
        elif read != saved:
            problems.append(f"`{key}`: saved {saved!r}, read back {read!r}")
    return problems


def main() -> int:
    """The command: 0 on success, 1 with the problems on stderr."""
    store = sys.argv[1] if len(sys.argv) > 1 else "statestore"
    try:
        problems = round_trip(store)
    except DaprError as error:  # a failed call: error.case says which kind
        print(f"state store `{store}`: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print("Test successfully!")
    return 0


Run = command(main)
"""The ``wasi:cli/run`` export componentize-py looks for."""
