"""The candidate's pages in-process, as API Gateway would call them, and what tests read off them:
the links in an email, the fields of a page's forms."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from importlib import import_module
from urllib.parse import urlencode, urlsplit

from local_runtime.apigw.events import HttpRequest, RouteTable, build_event, new_request_id
from local_runtime.template import StackTemplate
from tests.support.api import LambdaContextStub

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class PageResponse:
    status: int
    headers: dict[str, str]
    text: str

    def field(self, name: str) -> str:
        """The value of the page's (first) input of that name."""
        found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', self.text)
        assert found, f"no {name} field on the page:\n{self.text}"
        return html.unescape(found.group(1))

    def slot_choices(self) -> list[str]:
        return re.findall(r'name="slot_id" value="([^"]*)"', self.text)


class PagesClient:
    """Sends browser-like requests to whichever function the template routes them to."""

    def __init__(self, template: StackTemplate) -> None:
        self._routes = RouteTable(template.http_routes())
        self._template = template

    def request(
        self, method: str, url: str, body: bytes = b"", content_type: str | None = None
    ) -> PageResponse:
        parts = urlsplit(url)
        match = self._routes.match(method, parts.path)
        if match is None:
            raise LookupError(f"the template routes no {method} {parts.path}")
        headers = [("accept", "text/html"), ("user-agent", "pytest")]
        if content_type is not None:
            headers.append(("content-type", content_type))
        request = HttpRequest(method, parts.path, parts.query, headers, body, "127.0.0.1")
        event = build_event(request, match, new_request_id())
        module_name = self._template.functions[match.route.function_id].handler.rsplit(".", 1)[0]
        result = import_module(module_name).handler(event, LambdaContextStub())
        return PageResponse(result["statusCode"], dict(result.get("headers") or {}), result.get("body") or "")

    def get(self, url: str, **query: str) -> PageResponse:
        return self.request("GET", f"{url}?{urlencode(query)}" if query else url)

    def post(self, url: str, fields: dict[str, str], content_type: str = FORM) -> PageResponse:
        return self.request("POST", url, urlencode(fields).encode(), content_type)


def links_of(message: EmailMessage) -> dict[str, str]:
    """The reschedule and cancel links in an email's text, by what they are for."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    found = dict(re.findall(r"\b(Reschedule|Cancel): (\S+)", text))
    return {purpose.lower(): link for purpose, link in found.items()}
