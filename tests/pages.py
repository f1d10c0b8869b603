"""Tests that read like the UI: request a page by endpoint name, get it back parsed, and assert
on what a person sees (the h1, the error summary, flash messages, a table's cells, a field's
value) rather than on substrings of raw HTML. The `client_request` fixture in tests/conftest.py
hands out a `ClientRequest`."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from flask import url_for

PASSWORD = "correct horse battery staple"


def normalise(text: str) -> str:
    """Text as a reader sees it: runs of whitespace (line breaks in templates) become one space."""
    return " ".join(text.split())


class Page:
    """A response and its parsed HTML. Unknown attributes go to the BeautifulSoup document, so
    `page.select_one("h1")`, `page.find_all("form")` work as on a soup."""

    def __init__(self, response):
        self.response = response
        self.status_code = response.status_code
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")

    def __getattr__(self, name):
        return getattr(self.soup, name)

    @property
    def location(self) -> str | None:
        return self.response.headers.get("Location")

    def text(self, selector: str) -> str:
        """The normalised text of the one element `selector` matches (it must match one)."""
        found = self.soup.select(selector)
        assert len(found) == 1, f"{selector!r} matched {len(found)} elements"
        return normalise(found[0].get_text())

    def texts(self, selector: str) -> list[str]:
        return [normalise(el.get_text()) for el in self.soup.select(selector)]

    @property
    def h1(self) -> str:
        return self.text("h1")

    @property
    def title(self) -> str:
        return normalise(self.soup.title.get_text()) if self.soup.title else ""

    def error_summary(self) -> list[str]:
        """Each message of the page's error summaries (list items, or the paragraph of a summary
        without a list); empty when the page shows none."""
        messages = []
        for summary in self.soup.select(".error-summary"):
            items = summary.select("li") or summary.select("p")
            messages.extend(normalise(item.get_text()) for item in items)
        return messages

    def field_errors(self) -> list[str]:
        """The messages shown beside fields (`<p class="error">`)."""
        return self.texts("p.error")

    def flashes(self, category: str | None = None) -> list[str]:
        """Flash messages, optionally only those of one category (success, error, ...)."""
        selector = f".flash.flash-{category}" if category else ".flash"
        return self.texts(selector)

    def table(self, selector: str = "table") -> list[list[str]]:
        """The one table `selector` matches, as rows of cell texts (header rows included);
        elements inside a cell (a <br>, a badge) are read as separated by a space."""
        found = self.soup.select(selector)
        assert len(found) == 1, f"{selector!r} matched {len(found)} tables"
        return [
            [normalise(cell.get_text(" ")) for cell in row.find_all(["th", "td"])]
            for row in found[0].find_all("tr")
        ]

    def field(self, name: str, within: Tag | None = None) -> Tag:
        found = (within or self.soup).find_all(
            ["input", "select", "textarea"], attrs={"name": name}
        )
        assert found, f"no form field named {name!r}"
        return found[0]

    def field_value(self, name: str, within: Tag | None = None) -> str | None:
        """What the browser would submit for field `name`: a text input's value, a textarea's
        text, a select's selected option, the checked radio's value (None when none is)."""
        root = within or self.soup
        element = self.field(name, within)
        if element.name == "textarea":
            # HTML drops one leading newline (LF or CR LF, as WTForms writes) in a textarea.
            text = element.get_text()
            return text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")
        if element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            return None if chosen is None else chosen.get("value", chosen.get_text())
        if element.get("type") in ("radio", "checkbox"):
            checked = [
                el for el in root.find_all("input", attrs={"name": name}) if el.has_attr("checked")
            ]
            return checked[0].get("value", "on") if checked else None
        return element.get("value", "")

    @property
    def csrf_token(self) -> str:
        token = self.soup.find("input", attrs={"name": "csrf_token"})
        assert token is not None and token.get("value"), "page has no CSRF token"
        return token["value"]


class ClientRequest:
    """Requests by endpoint name through one test client (one browser session). The expected
    status is asserted here, so a test states it once: `get("x", _expected_status=404)`."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def new_session(self) -> ClientRequest:
        """Another browser, with its own cookies."""
        return ClientRequest(self.app, self.app.test_client())

    @staticmethod
    def parse(response) -> Page:
        """A page for a response made with the raw test client."""
        return Page(response)

    def url(self, endpoint: str, **values) -> str:
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    # -- signing in -------------------------------------------------------------------------

    def login(self, user_or_email, password: str = PASSWORD) -> ClientRequest:
        email = getattr(user_or_email, "email", user_or_email)
        self.post_url("/login", _data={"email": email, "password": password}, _expected_status=302)
        return self

    def login_as(self, role: str, company=None, **user_fields):
        """Create an account for `role` and sign in with it. Company roles (owner, editor,
        viewer) need `company`; account kinds (member, advisor, bureau, admin) do not."""
        from app.auth.users import create_user
        from app.extensions import db
        from app.models import Membership

        defaults = {"advisor": {"organisation": "支援センター"}, "bureau": {"bureau_code": "kanto"}}
        company_role = role in ("owner", "editor", "viewer")
        assert company_role == (company is not None), f"{role}: company is needed iff a member"
        kind = "member" if company_role else role
        fields = {**defaults.get(kind, {}), **user_fields}
        email = fields.pop("email", f"{role}-{_next_number()}@pages.example")
        user = create_user(email, PASSWORD, role=kind, **fields)
        if company_role:
            db.session.add(Membership(company_id=company.id, user_id=user.id, role=role))
        db.session.commit()
        self.login(user)
        return user

    # -- requests -----------------------------------------------------------------------------

    def get(
        self,
        endpoint: str,
        *,
        _expected_status: int = 200,
        _expected_redirect=None,
        _follow_redirects: bool = False,
        **values,
    ) -> Page:
        return self.get_url(
            self.url(endpoint, **values),
            _expected_status=_expected_status,
            _expected_redirect=_expected_redirect,
            _follow_redirects=_follow_redirects,
        )

    def get_url(
        self,
        url: str,
        *,
        _expected_status: int = 200,
        _expected_redirect=None,
        _follow_redirects: bool = False,
    ) -> Page:
        response = self.client.get(url, follow_redirects=_follow_redirects)
        return self._checked(response, "GET", url, _expected_status, _expected_redirect)

    def post(
        self,
        endpoint: str,
        *,
        _data: dict | None = None,
        _from=None,
        _expected_status: int = 302,
        _expected_redirect=None,
        _follow_redirects: bool = False,
        **values,
    ) -> Page:
        """POST `_data` plus the CSRF token of the page the form is on: `_from` (a Page, a URL
        or an endpoint name), by default the page at the same URL, fetched first. When `_data`
        already has a csrf_token (say, from a page fetched earlier), nothing is fetched."""
        return self.post_url(
            self.url(endpoint, **values),
            _data=_data,
            _from=_from,
            _expected_status=_expected_status,
            _expected_redirect=_expected_redirect,
            _follow_redirects=_follow_redirects,
        )

    def post_url(
        self,
        url: str,
        *,
        _data: dict | None = None,
        _from=None,
        _expected_status: int = 302,
        _expected_redirect=None,
        _follow_redirects: bool = False,
    ) -> Page:
        data = dict(_data or {})
        if "csrf_token" not in data:  # a token the caller took from its page is used as is
            data["csrf_token"] = self._form_page(_from or url).csrf_token
        response = self.client.post(url, data=data, follow_redirects=_follow_redirects)
        return self._checked(response, "POST", url, _expected_status, _expected_redirect)

    def _form_page(self, source) -> Page:
        if isinstance(source, Page):
            return source
        url = source if source.startswith("/") else self.url(source)
        return Page(self.client.get(url))

    def _checked(self, response, method, url, expected_status, expected_redirect) -> Page:
        page = Page(response)
        if expected_status is not None:
            assert response.status_code == expected_status, (
                f"{method} {url}: {response.status_code}, not {expected_status}; "
                f"errors {page.error_summary()}; {page.html[:300]!r}"
            )
        if expected_redirect is not None:
            assert page.location == expected_redirect, (
                f"{method} {url} went to {page.location}, not {expected_redirect}"
            )
        return page


_counter = {"n": 0}


def _next_number() -> int:
    _counter["n"] += 1
    return _counter["n"]
