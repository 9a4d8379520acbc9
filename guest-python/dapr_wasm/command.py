"""Run-once commands (``wasmtime-dapr run``): the ``wasi:cli/run`` export.

::

    from dapr_wasm import command, state

    def main() -> int:
        state.save("statestore", "greeting", "hello")
        return 0

    Run = command(main)   # componentize-py exports this class
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from ._wit import Err

__all__ = ["command"]


def command(main: Callable[[], int | None]) -> type:
    """The class implementing ``wasi:cli/run`` by calling ``main``.

    Assign it to the name ``Run`` in the app's module; the world must be
    ``command`` (``build.sh --world command``). ``sys.argv`` holds the
    command's arguments (``wasmtime-dapr run app.wasm ARGS...``) when ``main``
    runs. ``main`` returns ``None`` or 0 for success and anything else (or
    raises ``SystemExit`` with it) for failure: exit code 1.
    """
    try:
        from wit_world import exports
        from wit_world.imports import environment
    except ImportError as exc:
        raise RuntimeError(
            "the component's world does not export wasi:cli/run: build it with `--world command`"
        ) from exc

    class Run(exports.Run):
        """The ``wasi:cli/run`` export, calling the command's ``main``."""

        def run(self) -> None:
            # The component was initialized at build time: read the arguments now.
            sys.argv = list(environment.get_arguments())
            try:
                code = main()
            except SystemExit as stop:
                code = stop.code
                if isinstance(code, str):
                    print(code, file=sys.stderr)
                    code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            if code not in (None, 0):
                raise Err(None)

    return Run
