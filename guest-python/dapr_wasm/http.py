"""HTTP apps: the ``wasi:http/incoming-handler`` export (``--world http-app``)
as one function from a :class:`Request` to a :class:`Response`::

    from dapr_wasm import http

    def handle(request: http.Request) -> http.Response:
        if request.method == "GET" and request.path == "/":
            return http.Response.with_text("hello")
        return http.Response.not_found()

    IncomingHandler = http.handler(handle)   # componentize-py exports this class

The body is read whole before the function runs and written whole after it
returns (the host bounds both with ``--max-body-size``).
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ._wit import Data, Err, Ok, to_bytes

__all__ = ["Request", "Response", "handler"]

CHUNK = 4096
"""The most bytes one ``blocking-write-and-flush`` may write."""


@dataclass
class Request:
    """An HTTP request, its body read whole."""

    method: str
    """The method in upper case, such as ``GET``."""
    path_with_query: str
    """The path and query, such as ``/orders?id=1``."""
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    """The headers, in order (names in lower case)."""
    body: bytes = b""
    """The body."""

    @property
    def path(self) -> str:
        """The path without the query."""
        return self.path_with_query.partition("?")[0]

    @property
    def query(self) -> str:
        """The query string without ``?`` (empty if none)."""
        return self.path_with_query.partition("?")[2]

    def query_param(self, name: str) -> str | None:
        """The first value of the query parameter ``name``, decoded."""
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            if key == name:
                return value
        return None

    def header(self, name: str) -> bytes | None:
        """The first value of the header ``name`` (case-insensitive)."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def text(self) -> str:
        """The body as UTF-8 text (invalid bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Response:
    """An HTTP response."""

    status: int = 200
    """The status code."""
    headers: list[tuple[str, str | bytes]] = field(default_factory=list)
    """The headers, in order."""
    body: Data = b""
    """The body: bytes, or text as UTF-8."""

    @classmethod
    def with_text(cls, text: str, status: int = 200) -> Response:
        """A ``text/plain`` response."""
        return cls(status, [("content-type", "text/plain; charset=utf-8")], text)

    @classmethod
    def with_json(cls, value: Any, status: int = 200) -> Response:
        """An ``application/json`` response of ``value``."""
        body = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return cls(status, [("content-type", "application/json")], body)

    @classmethod
    def not_found(cls) -> Response:
        """An empty 404."""
        return cls(404)


def _method(method: Any) -> str:
    # The generated cases are `Method_Get`, ..., and `Method_Other(value)`.
    if hasattr(method, "value"):
        return method.value
    return type(method).__name__.removeprefix("Method_").upper()


def handler(function: Callable[[Request], Response]) -> type:
    """The class implementing ``wasi:http/incoming-handler`` by calling
    ``function``; assign it to the name ``IncomingHandler`` in the app's
    module. An exception is logged to stderr and answered with status 500."""
    try:
        from wit_world import exports
        from wit_world.imports import streams
    except ImportError as exc:
        raise RuntimeError(
            "the component's world does not export wasi:http/incoming-handler: "
            "build it with `--world http-app`"
        ) from exc
    # componentize-py names the module `types` unless another interface of
    # the world (dapr:runtime/types) has that name too.
    try:
        types = importlib.import_module("wit_world.imports.wasi_http_types")
    except ImportError:
        types = importlib.import_module("wit_world.imports.types")

    def read_body(request: Any) -> bytes:
        body = request.consume()
        chunks = []
        with body.stream() as stream:
            while True:
                try:
                    chunks.append(stream.blocking_read(65536))
                except Err as err:
                    if isinstance(err.value, streams.StreamError_Closed):
                        break
                    raise
        with types.IncomingBody.finish(body):
            pass
        return b"".join(chunks)

    def prepare(response: Response) -> tuple[Any, bytes]:
        """The outgoing response and body of ``response``; raises if either is
        invalid (a header, the status, the body's type)."""
        if not isinstance(response, Response):
            raise TypeError(f"the handler returned {type(response).__name__}, not a Response")
        headers = [
            (k, v.encode("latin-1") if isinstance(v, str) else v) for k, v in response.headers
        ]
        outgoing = types.OutgoingResponse(types.Fields.from_list(headers))
        outgoing.set_status_code(response.status)
        return outgoing, to_bytes(response.body)

    def send(response_out: Any, outgoing: Any, data: bytes) -> None:
        body = outgoing.body()
        types.ResponseOutparam.set(response_out, Ok(outgoing))
        try:
            with body.write() as stream:
                for start in range(0, len(data), CHUNK):
                    stream.blocking_write_and_flush(data[start : start + CHUNK])
            types.OutgoingBody.finish(body, None)
        except Err as err:  # the response has started: nothing else to answer
            print(f"writing the response body failed: {err.value}", file=sys.stderr)

    class IncomingHandler(exports.IncomingHandler):
        """The ``wasi:http/incoming-handler`` export, calling the function."""

        def handle(self, request: Any, response_out: Any) -> None:
            method = _method(request.method())
            path = request.path_with_query() or "/"
            try:
                with request.headers() as fields:
                    headers = fields.entries()
                incoming = Request(method, path, headers, read_body(request))
            except Err as err:
                answer = Response.with_text(f"could not read the request: {err.value}", 400)
                prepared = prepare(answer)
            else:
                try:
                    prepared = prepare(function(incoming))
                except Exception:
                    print(f"{method} {path} failed:", file=sys.stderr)
                    traceback.print_exc(file=sys.stderr)
                    prepared = prepare(Response.with_text("internal error", 500))
            send(response_out, *prepared)

    return IncomingHandler
