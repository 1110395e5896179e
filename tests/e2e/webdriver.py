"""A tiny W3C WebDriver client over urllib (standard library only).

Enough to drive the Titanium Guardian app through tauri-driver + WebKitWebDriver:
sessions, finding elements by CSS, clicking, typing, reading text/attributes/properties,
running scripts (sync and async) and waiting for a condition.

Deliberately missing: the screenshot endpoint. It hangs on WebKitGTK under Xvfb, so the
tests take screenshots of the X display with ImageMagick instead (see test_app.py).
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from typing import Any, Callable, TypeVar

# The W3C key for an element reference in JSON.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"

T = TypeVar("T")


class WebDriverError(Exception):
    """An error answered by the driver ({"value": {"error", "message"}}) or a transport failure."""

    def __init__(self, error: str, message: str, status: int | None = None):
        super().__init__(f"{error}: {message}" if message else error)
        self.error = error
        self.message = message
        self.status = status


class _Dropped(Exception):
    """The connection closed before any answer (internal: retried by Session._request)."""


class TimeoutError_(AssertionError):
    """wait_until gave up. An AssertionError so that test runners count it as a failure."""


class Element:
    """A reference to an element in the current session."""

    def __init__(self, session: "Session", element_id: str):
        self.session = session
        self.id = element_id

    def __repr__(self) -> str:
        return f"<Element {self.id}>"

    def _path(self, suffix: str = "") -> str:
        return f"/element/{self.id}{suffix}"

    def as_json(self) -> dict:
        return {ELEMENT_KEY: self.id}

    # -- finding inside this element --------------------------------------------------------
    def find(self, css: str) -> "Element":
        value = self.session._cmd("POST", self._path("/element"), {"using": "css selector", "value": css})
        return Element(self.session, value[ELEMENT_KEY])

    def find_all(self, css: str) -> list["Element"]:
        value = self.session._cmd("POST", self._path("/elements"), {"using": "css selector", "value": css})
        return [Element(self.session, v[ELEMENT_KEY]) for v in value]

    # -- interaction ------------------------------------------------------------------------
    def click(self) -> None:
        self.session._cmd("POST", self._path("/click"), {})

    def send_keys(self, text: str) -> None:
        self.session._cmd("POST", self._path("/value"), {"text": text})

    def clear(self) -> None:
        self.session._cmd("POST", self._path("/clear"), {})

    # -- reading ----------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.session._cmd("GET", self._path("/text"))

    def attribute(self, name: str) -> str | None:
        return self.session._cmd("GET", self._path(f"/attribute/{name}"))

    def prop(self, name: str) -> Any:
        return self.session._cmd("GET", self._path(f"/property/{name}"))

    def is_displayed(self) -> bool:
        return bool(self.session._cmd("GET", self._path("/displayed")))

    def is_enabled(self) -> bool:
        return bool(self.session._cmd("GET", self._path("/enabled")))

    def is_selected(self) -> bool:
        return bool(self.session._cmd("GET", self._path("/selected")))

    @property
    def tag_name(self) -> str:
        return self.session._cmd("GET", self._path("/name"))


class Session:
    """One W3C WebDriver session. Create with `Session.start(url, capabilities)`."""

    def __init__(self, base_url: str, session_id: str, capabilities: dict, http_timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.id = session_id
        self.capabilities = capabilities
        self.http_timeout = http_timeout

    # -- transport --------------------------------------------------------------------------
    # How many times a request was sent again after the connection was dropped (see _request).
    retries = 0

    @staticmethod
    def _request(method: str, url: str, body: Any = None, timeout: float = 60.0) -> Any:
        """One command. A connection dropped with no answer at all is retried (up to 3 times).

        tauri-driver 2.x forwards every command to WebKitWebDriver over a pooled keep-alive
        connection; when WebKitWebDriver has closed that connection, tauri-driver's send fails
        ("client error (SendRequest) … Connection reset by peer") and it closes ours without
        an answer. The command never reached WebKitWebDriver, so sending it again is safe.
        Errors the driver answers (HTTP 4xx/5xx) and timeouts are never retried.
        """
        for attempt in range(4):
            try:
                return Session._request_once(method, url, body, timeout)
            except _Dropped as e:
                if attempt == 3:
                    raise WebDriverError("transport", f"{method} {url}: {e.__cause__} (4 tries)") from e.__cause__
                Session.retries += 1
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    @staticmethod
    def _request_once(method: str, url: str, body: Any, timeout: float) -> Any:
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as e:
            raw = e.read()
            status = e.code
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
            raise _Dropped() from e
        except urllib.error.URLError as e:
            if isinstance(e.reason, (ConnectionResetError, BrokenPipeError)):
                raise _Dropped() from e.reason
            raise WebDriverError("transport", f"{method} {url}: {e}") from e
        except OSError as e:
            raise WebDriverError("transport", f"{method} {url}: {e}") from e
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            raise WebDriverError("bad response", f"{method} {url} -> {status}: {raw[:300]!r}", status)
        value = payload.get("value") if isinstance(payload, dict) else None
        if status >= 400:
            if isinstance(value, dict):
                raise WebDriverError(str(value.get("error", "unknown error")), str(value.get("message", "")), status)
            raise WebDriverError("unknown error", f"HTTP {status}: {payload!r}", status)
        return value

    def _cmd(self, method: str, path: str, body: Any = None, timeout: float | None = None) -> Any:
        if method == "POST" and body is None:
            body = {}
        return self._request(method, f"{self.base_url}/session/{self.id}{path}", body, timeout or self.http_timeout)

    # -- lifecycle --------------------------------------------------------------------------
    @classmethod
    def start(cls, base_url: str, capabilities: dict, timeout: float = 120.0) -> "Session":
        """POST /session with {"capabilities": capabilities}."""
        value = cls._request("POST", base_url.rstrip("/") + "/session", {"capabilities": capabilities}, timeout)
        return cls(base_url, value["sessionId"], value.get("capabilities", {}))

    def delete(self) -> None:
        """DELETE /session/{id}. With tauri-driver this quits the app."""
        self._request("DELETE", f"{self.base_url}/session/{self.id}", None, self.http_timeout)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.delete()
        except WebDriverError:
            pass

    # -- timeouts, navigation ---------------------------------------------------------------
    def set_timeouts(self, script_ms: int | None = None, implicit_ms: int | None = None,
                     page_load_ms: int | None = None) -> None:
        body = {}
        if script_ms is not None:
            body["script"] = script_ms
        if implicit_ms is not None:
            body["implicit"] = implicit_ms
        if page_load_ms is not None:
            body["pageLoad"] = page_load_ms
        self._cmd("POST", "/timeouts", body)

    @property
    def url(self) -> str:
        return self._cmd("GET", "/url")

    @property
    def title(self) -> str:
        return self._cmd("GET", "/title")

    # -- finding ----------------------------------------------------------------------------
    def find(self, css: str) -> Element:
        value = self._cmd("POST", "/element", {"using": "css selector", "value": css})
        return Element(self, value[ELEMENT_KEY])

    def find_all(self, css: str) -> list[Element]:
        value = self._cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, v[ELEMENT_KEY]) for v in value]

    def active_element(self) -> Element:
        value = self._cmd("GET", "/element/active")
        return Element(self, value[ELEMENT_KEY])

    # -- scripts ----------------------------------------------------------------------------
    def _wrap_args(self, args: tuple) -> list:
        return [a.as_json() if isinstance(a, Element) else a for a in args]

    def _unwrap(self, value: Any) -> Any:
        if isinstance(value, dict):
            if ELEMENT_KEY in value and len(value) == 1:
                return Element(self, value[ELEMENT_KEY])
            return {k: self._unwrap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._unwrap(v) for v in value]
        return value

    def execute(self, script: str, *args: Any) -> Any:
        """Run `script` as a function body; `arguments[i]` are the args; returns its return value."""
        value = self._cmd("POST", "/execute/sync", {"script": script, "args": self._wrap_args(args)})
        return self._unwrap(value)

    def execute_async(self, script: str, *args: Any, timeout: float | None = None) -> Any:
        """Run `script`; it must call `arguments[arguments.length - 1](result)` to finish."""
        value = self._cmd("POST", "/execute/async", {"script": script, "args": self._wrap_args(args)},
                          timeout=timeout)
        return self._unwrap(value)

    # -- waiting ----------------------------------------------------------------------------
    def wait_until(self, condition: Callable[[], T], timeout: float = 10.0, interval: float = 0.1,
                   message: str = "condition") -> T:
        """Call `condition` until it returns something truthy (returned) or `timeout` seconds pass.

        NoSuchElement / stale-element errors inside the condition count as "not yet".
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                result = condition()
                if result:
                    return result
            except WebDriverError as e:
                if e.error not in ("no such element", "stale element reference", "element not interactable",
                                   "javascript error"):
                    raise
                last_error = e
            if time.monotonic() >= deadline:
                extra = f" (last error: {last_error})" if last_error else ""
                raise TimeoutError_(f"timed out after {timeout:.0f}s waiting for {message}{extra}")
            time.sleep(interval)

    def wait_for(self, css: str, timeout: float = 10.0, visible: bool = True) -> Element:
        """Wait for an element matching `css` (and displayed, unless visible=False)."""
        def found():
            el = self.find(css)
            return el if (not visible or el.is_displayed()) else None
        return self.wait_until(found, timeout, message=f"element {css!r}{' to be visible' if visible else ''}")


def status(base_url: str, timeout: float = 5.0) -> Any:
    """GET /status of a driver (raises WebDriverError when it does not answer)."""
    return Session._request("GET", base_url.rstrip("/") + "/status", None, timeout)
