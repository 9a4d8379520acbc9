"""Calling methods of other apps (Dapr's service invocation building block).

:class:`Request` and :class:`Response` are also what an app's
:meth:`dapr_wasm.App.invoke` handlers receive and return::

    response = invoke.invoke_method("orders", Request.with_json("place", {"id": 1}))
    if response.ok:
        print(response.json())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from . import _wit
from ._wit import Data, Payload, call, pairs, to_bytes

__all__ = ["HttpVerb", "Request", "Response", "invoke_method", "get", "post_json"]


class HttpVerb(StrEnum):
    """The HTTP verb of an invocation."""

    GET = "get"
    HEAD = "head"
    POST = "post"
    PUT = "put"
    DELETE = "delete"
    PATCH = "patch"
    OPTIONS = "options"


@dataclass
class Request(Payload):
    """An invocation: a method of the called app, with an HTTP-like shape."""

    method: str
    """The method (path) to call, such as ``orders/42``."""
    verb: HttpVerb | str = HttpVerb.POST
    """The HTTP verb."""
    query: list[tuple[str, str]] = field(default_factory=list)
    """Query parameters, in order."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """Headers, in order."""
    content_type: str | None = None
    """The media type of ``data``."""
    data: Data = b""
    """The body: bytes, or text as UTF-8."""

    @classmethod
    def with_json(cls, method: str, value: Any, verb: HttpVerb | str = HttpVerb.POST) -> Request:
        """A request whose body is ``value`` serialized as JSON."""
        return cls(method, verb, content_type="application/json", data=_wit.json_bytes(value))

    def _to_wit(self) -> Any:
        return _wit.invoke.Request(
            method=self.method,
            verb=_wit.invoke.HttpVerb[HttpVerb(self.verb).name],
            query=pairs(self.query),
            headers=pairs(self.headers),
            content_type=self.content_type,
            data=to_bytes(self.data),
        )

    @classmethod
    def _from_wit(cls, request: Any) -> Request:
        return cls(
            request.method,
            HttpVerb(request.verb.name.lower()),
            list(request.query),
            list(request.headers),
            request.content_type,
            request.data,
        )


@dataclass
class Response(Payload):
    """The answer to an invocation; a non-2xx status is an answer, not an error."""

    status: int = 200
    """The HTTP status."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """Headers, in order."""
    content_type: str | None = None
    """The media type of ``data``."""
    data: Data = b""
    """The body: bytes, or text as UTF-8."""

    @classmethod
    def with_text(cls, text: str, status: int = 200) -> Response:
        """A ``text/plain`` response."""
        return cls(status, content_type="text/plain", data=text)

    @classmethod
    def with_json(cls, value: Any, status: int = 200) -> Response:
        """An ``application/json`` response of ``value``."""
        return cls(status, content_type="application/json", data=_wit.json_bytes(value))

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def _to_wit(self) -> Any:
        return _wit.invoke.Response(
            status=self.status,
            headers=pairs(self.headers),
            content_type=self.content_type,
            data=to_bytes(self.data),
        )

    @classmethod
    def _from_wit(cls, response: Any) -> Response:
        return cls(
            response.status,
            list(response.headers),
            response.content_type,
            response.data,
        )


def invoke_method(app_id: str, request: Request) -> Response:
    """Calls ``request.method`` on the app ``app_id`` (which may be this app)."""
    return Response._from_wit(call(_wit.invoke.invoke_method, app_id, request._to_wit()))


def get(app_id: str, method: str) -> Response:
    """Calls ``method`` of ``app_id`` with verb GET and no body."""
    return invoke_method(app_id, Request(method, HttpVerb.GET))


def post_json(app_id: str, method: str, value: Any) -> Response:
    """Calls ``method`` of ``app_id`` with verb POST and ``value`` as JSON."""
    return invoke_method(app_id, Request.with_json(method, value))
