#!/usr/bin/env python3
"""End-to-end tests of the Titanium Guardian desktop app.

Drives the real app window (Tauri 2 on WebKitGTK) through tauri-driver + WebKitWebDriver,
with real inputs, from the home screen to the result, and runs axe-core on every screen.

Run through `scripts/test-app`, which builds the app, starts Xvfb and tauri-driver and sets:
  GUARDIAN_APP      absolute path of the titanium-guardian binary
  WEBDRIVER_URL     tauri-driver's address (default http://127.0.0.1:4444)
  E2E_ARTIFACTS     where screenshots go (default target/e2e-artifacts)
  DISPLAY           the X display the app is on (screenshots are taken of it)
  GUARDIAN_SERVER   the guardian-server binary (the Settings sync test runs one on loopback)
and GUARDIAN_DATA_DIR (a fresh folder) in tauri-driver's environment, which the app inherits.

`python3 tests/e2e/test_app.py [-k SUBSTRING]… [--list]`; exits non-zero if any test fails.
Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.request
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webdriver import Element, Session, WebDriverError  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
APP = os.environ.get("GUARDIAN_APP", str(REPO / "target" / "debug" / "titanium-guardian"))
DRIVER = os.environ.get("WEBDRIVER_URL", "http://127.0.0.1:4444")
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", str(REPO / "target" / "e2e-artifacts")))
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
SERVER = os.environ.get("GUARDIAN_SERVER", str(REPO / "target" / "debug" / "guardian-server"))

SCAM_SMS = ("Chase Bank Fraud Alert: your account has been locked. To unlock it today buy $500 in "
            "Google Play gift cards and text us the codes. Do not tell anyone.")
BENIGN_SMS = "Walgreens: your prescription is ready for pickup at the pharmacy on Main Street."
LOOKALIKE_URL = "https://paypa1.com.account-verify.top/login"
TRUSTED_NAME = "Margaret Ellis"
TRUSTED_PHONE = "555-0142"

SCREENS = ("home", "message", "money", "cooloff", "identity", "call", "result", "history", "settings")


# ============================================================================ the app driver ==

class App:
    """The app in one WebDriver session, with helpers that speak the UI contract."""

    def __init__(self) -> None:
        self.session: Session | None = None
        self.axe_results: list[tuple[str, dict]] = []   # (screen label, summary), in order
        self.shot_number = 0

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, args: list[str] | None = None) -> None:
        caps = {"alwaysMatch": {"tauri:options": {"application": APP, "args": args or []}}}
        self.session = Session.start(DRIVER, caps)
        self.session.set_timeouts(script_ms=120_000)
        self.s.wait_until(lambda: self.s.execute("return document.readyState") == "complete",
                          30, message="document to load")
        self.s.wait_until(lambda: self.s.execute("return document.body && document.body.dataset.ready") == "true",
                          30, message='document.body.dataset.ready === "true"')
        self.wait_screen("home")

    def stop(self) -> None:
        if self.session is not None:
            try:
                self.session.delete()
            finally:
                self.session = None

    def restart(self) -> None:
        self.stop()
        time.sleep(0.5)
        self.start()

    def alive(self) -> bool:
        if self.session is None:
            return False
        try:
            self.session.execute("return 1")
            return True
        except WebDriverError:
            return False

    @property
    def s(self) -> Session:
        assert self.session is not None, "no session"
        return self.session

    # -- screens ----------------------------------------------------------------------------
    def visible_screens(self) -> list[str]:
        return self.s.execute(
            "return Array.from(document.querySelectorAll('section[data-screen]'))"
            ".filter(function (e) { return !e.hidden; }).map(function (e) { return e.dataset.screen; });")

    def screen(self) -> str | None:
        shown = self.visible_screens()
        return shown[0] if len(shown) == 1 else None

    def wait_screen(self, name: str, timeout: float = 15) -> None:
        def on_it():
            shown = self.visible_screens()
            return shown == [name]
        try:
            self.s.wait_until(on_it, timeout, message=f"screen {name!r}")
        except AssertionError:
            raise AssertionError(f"expected screen {name!r}, visible screens are {self.visible_screens()!r}")

    def css(self, selector: str, screen: str | None = None) -> str:
        scope = screen or self.screen()
        return f'section[data-screen="{scope}"] {selector}' if scope else selector

    def el(self, selector: str, screen: str | None = None, timeout: float = 10) -> Element:
        """The visible element matching `selector` inside the visible screen (or `screen`)."""
        css = self.css(selector, screen)
        def visible():
            for e in self.s.find_all(css):
                if e.is_displayed():
                    return e
            return None
        return self.s.wait_until(visible, timeout, message=f"visible {css!r}")

    def els(self, selector: str, screen: str | None = None) -> list[Element]:
        return self.s.find_all(self.css(selector, screen))

    def click(self, selector: str, screen: str | None = None) -> None:
        self.press(self.el(selector, screen))

    def press(self, element: Element) -> None:
        # As a person would: bring the control to the middle of the window first (the
        # call screen keeps a risk bar at the bottom that may cover a control's lower half).
        self.s.execute("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def type_into(self, selector: str, text: str, screen: str | None = None) -> None:
        e = self.el(selector, screen)
        e.clear()
        e.send_keys(text)
        # Some WebKit versions drop characters in long send_keys; make sure, and fall back to
        # setting the value and firing the events a person's typing would fire.
        if e.prop("value") != text:
            self.s.execute(
                "var e = arguments[0]; e.value = arguments[1];"
                "e.dispatchEvent(new Event('input', {bubbles: true}));"
                "e.dispatchEvent(new Event('change', {bubbles: true}));", e, text)
        assert e.prop("value") == text, f"could not type into {selector}"

    def go_home(self) -> None:
        """From anywhere: the screen's home link/button, else back until home."""
        for _ in range(6):
            if self.screen() == "home":
                return
            homes = [e for e in self.els('[data-action="home"]') if e.is_displayed()]
            if homes:
                self.press(homes[0])
            else:
                backs = [e for e in self.els('[data-action="back"]') if e.is_displayed()]
                assert backs, f"screen {self.screen()!r} has no visible back or home control"
                self.press(backs[0])
            time.sleep(0.2)
        self.wait_screen("home")

    def go(self, action: str, screen: str) -> None:
        """Home → a button → a screen."""
        self.go_home()
        self.click(f'[data-action="{action}"]', "home")
        self.wait_screen(screen)

    # -- the result screen ------------------------------------------------------------------
    def result(self, timeout: float = 20) -> dict:
        """Waits for the result screen and returns what it shows."""
        self.wait_screen("result", timeout)
        level_el = self.el('[data-testid="result-level"]', "result")
        level = self.s.wait_until(lambda: level_el.attribute("data-level"), 10, message="data-level")
        reasons = [e.text.strip() for e in self.els('[data-testid="reasons"] li', "result")]
        next_action = ""
        try:
            next_action = self.el('[data-testid="next-action"]', "result", timeout=2).text.strip()
        except AssertionError:
            pass
        return {"level": level, "reasons": [r for r in reasons if r], "next_action": next_action,
                "level_text": level_el.text.strip()}

    def assert_result(self, expected_level: str | None, shot: str) -> dict:
        r = self.result()
        self.screenshot(shot)
        if expected_level is not None:
            assert r["level"] == expected_level, (
                f"result level: expected {expected_level!r}, got {r['level']!r} (reasons: {r['reasons']!r})")
        assert r["reasons"], f"no reasons shown on the result screen ([data-testid=reasons] li), level {r['level']!r}"
        assert r["next_action"], "no next action shown ([data-testid=next-action])"
        return r

    # -- screenshots ------------------------------------------------------------------------
    def screenshot(self, name: str) -> Path | None:
        """X screenshot with ImageMagick (never WebDriver's: it hangs on WebKitGTK)."""
        self.shot_number += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.shot_number:02d}-{name}.png"
        if not os.environ.get("DISPLAY") or not shutil.which("import"):
            return None
        time.sleep(0.25)  # let the frame paint
        for attempt in range(6):
            try:
                subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=20,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                sd = subprocess.run([convert_binary(), str(path), "-format", "%[fx:standard_deviation]", "info:"],
                                    check=True, timeout=20, capture_output=True, text=True).stdout.strip()
                if float(sd or 0) > 0.001:
                    return path
            except (subprocess.SubprocessError, ValueError) as e:
                print(f"    (screenshot {path.name} attempt {attempt + 1}: {e})")
            time.sleep(0.5 + attempt * 0.5)
        print(f"    (screenshot {path.name} is one flat colour after retries)")
        return path

    # -- accessibility ----------------------------------------------------------------------
    def axe(self, label: str) -> None:
        """Runs axe-core on the document as it is now; fails on serious/critical violations."""
        injected = self.s.execute("return typeof window.axe === 'object' && typeof window.axe.run === 'function';")
        if not injected:
            source = AXE_JS.read_text(encoding="utf-8")
            try:
                self.s.execute(source + "\n;return typeof window.axe;")
            except WebDriverError as e:
                raise AssertionError(f"could not inject axe-core with execute-script (page CSP?): {e}")
            ok = self.s.execute("return typeof window.axe === 'object' && typeof window.axe.run === 'function';")
            assert ok, "axe-core was injected but window.axe.run is missing"
        out = self.s.execute_async(
            "var done = arguments[arguments.length - 1];"
            "window.axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
            "  done({ok: true, violations: r.violations.map(function (v) { return {"
            "    id: v.id, impact: v.impact, help: v.help,"
            "    nodes: v.nodes.slice(0, 5).map(function (n) { return {target: n.target.join(' '),"
            "      summary: (n.failureSummary || '').slice(0, 300)}; }), count: v.nodes.length}; }),"
            "    passes: r.passes.length, incomplete: r.incomplete.length,"
            "    incomplete_ids: r.incomplete.map(function (v) { return v.id; })});"
            "}, function (e) { done({ok: false, error: String(e && e.stack || e)}); });",
            timeout=180)
        assert out and out.get("ok"), f"axe.run failed on {label}: {out and out.get('error')}"
        bad = [v for v in out["violations"] if v.get("impact") in ("serious", "critical")]
        self.axe_results.append((label, out))
        if bad:
            lines = []
            for v in bad:
                lines.append(f"{v['impact']}: {v['id']} ({v['help']}) x{v['count']}")
                for n in v["nodes"]:
                    lines.append(f"      at {n['target']}: {n['summary']}")
            raise AssertionError(f"axe on {label}: {len(bad)} serious/critical violation(s):\n    " + "\n    ".join(lines))

    def visit(self, label: str) -> None:
        """Screenshot + axe for the screen as it is now."""
        self.screenshot(label)
        self.axe(label)


_convert = None


def convert_binary() -> str:
    """ImageMagick's convert (the real one, if a wrapper sits first on PATH)."""
    global _convert
    if _convert is None:
        _convert = "/usr/bin/convert" if os.path.exists("/usr/bin/convert") else "convert"
    return _convert


# ============================================================================== the tests ==

app = App()
TESTS: list = []
# What the flows checked, in order, for the Past checks tests: (module name shown, level).
CHECKED: list[tuple[str, str]] = []


def test(fn):
    TESTS.append(fn)
    return fn


def choose_option(input_css: str) -> None:
    """Ticks a radio/checkbox the way a person does: by clicking its visible label."""
    box = app.s.find(app.css(input_css))
    label = app.s.execute("return arguments[0].closest('label') || "
                          "(arguments[0].id && document.querySelector('label[for=\"' + arguments[0].id + '\"]'));", box)
    (label if isinstance(label, Element) and label.is_displayed() else box).click()
    app.s.wait_until(lambda: box.prop("checked"), 5, message=f"{input_css} to be ticked")


def money_step(step: str) -> None:
    app.s.wait_until(
        lambda: app.s.execute(
            "var s = document.querySelector('section[data-screen=\"money\"]');"
            "return !s.hidden && Array.from(s.querySelectorAll('[data-step]')).filter(function (e) {"
            " return !e.hidden; }).map(function (e) { return e.dataset.step; }).join(',');") == step,
        10, message=f"money step {step!r}")


# -- home, navigation ------------------------------------------------------------------------

@test
def test_home_is_ready():
    app.go_home()
    for action in ("go-call", "go-money", "go-message", "go-identity", "go-history", "go-settings"):
        app.el(f'[data-action="{action}"]', "home")
    app.visit("home")


@test
def test_page_csp_is_in_force():
    """WebDriver's execute-script is not subject to the page CSP (that is how axe is injected),
    but code in the page is: eval and new Function must be refused."""
    got = app.s.execute(
        "var out = [];"
        "try { eval('1 + 1'); out.push('eval allowed'); } catch (e) { out.push(e.name); }"
        "try { new Function('return 1')(); out.push('Function allowed'); } catch (e) { out.push(e.name); }"
        "return out;")
    assert got == ["EvalError", "EvalError"], f"the page CSP does not block eval: {got!r}"


@test
def test_axe_catches_a_planted_violation():
    """The accessibility gate itself: a nameless button planted on home must fail it."""
    app.go_home()
    app.s.execute("var b = document.createElement('button'); b.id = 'e2e-planted'; b.type = 'button';"
                  "document.querySelector('section[data-screen=\"home\"]').append(b);")
    try:
        try:
            app.axe("self-check (planted nameless button)")
        except AssertionError as e:
            assert "button-name" in str(e), f"axe failed, but not on the planted button: {e}"
        else:
            raise AssertionError("axe did not report a nameless button")
    finally:
        app.s.execute("var b = document.getElementById('e2e-planted'); if (b) b.remove();")
        app.axe_results.pop()


@test
def test_every_screen_has_back_and_home():
    for action, screen in (("go-call", "call"), ("go-money", "money"), ("go-message", "message"),
                           ("go-identity", "identity"), ("go-history", "history"), ("go-settings", "settings")):
        app.go(action, screen)
        app.el('[data-action="home"]')
        app.click('[data-action="back"]')
        app.wait_screen("home")
        app.go(action, screen)
        app.click('[data-action="home"]')
        app.wait_screen("home")


# -- InboxGuard ------------------------------------------------------------------------------

def check_message(text: str, channel: str | None, shot: str, axe_message: bool = False) -> dict:
    app.go("go-message", "message")
    if axe_message:
        app.visit("message")
    app.type_into("#message-text", text)
    if channel:
        choose_option(f'input[type="radio"][value="{channel}"]')
    if axe_message:
        app.axe("message (filled in)")
    app.click('[data-action="check-message"]')
    r = app.assert_result(None, shot)
    CHECKED.append(("Message or link", r["level"]))
    return r


@test
def test_message_empty_shows_friendly_alert():
    app.go("go-message", "message")
    app.el("#message-text").clear()
    app.click('[data-action="check-message"]')
    alert = app.s.wait_until(
        lambda: next((e for e in app.els('[role="alert"]', "message") if e.is_displayed() and e.text.strip()), None),
        10, message='a visible [role="alert"] with text on the message screen')
    text = alert.text.strip()
    app.screenshot("message-empty-alert")
    assert app.screen() == "message", f"an empty message left the message screen (now {app.screen()!r})"
    assert len(text) > 10, f"the alert says too little: {text!r}"
    assert app.alive(), "the app stopped answering after an empty check"
    unexpected = app.s.execute("return document.getElementById('global-alert').textContent")
    assert not unexpected, f"the app reported an unexpected error: {unexpected!r}"
    app.axe("message (empty: alert shown)")
    print(f"    alert: {text!r}")


@test
def test_message_scam_sms_is_high():
    r = check_message(SCAM_SMS, "sms", "result-scam-sms", axe_message=True)
    assert r["level"] == "high", f"scam SMS: expected high, got {r['level']!r}: {r['reasons']!r}"
    app.axe("result (scam SMS, high)")
    print(f"    {r['level']}: {r['reasons'][0]!r} (+{len(r['reasons']) - 1} more)")


@test
def test_message_benign_sms_is_low():
    r = check_message(BENIGN_SMS, "sms", "result-benign-sms")
    assert r["level"] == "low", f"benign SMS: expected low, got {r['level']!r}: {r['reasons']!r}"
    app.axe("result (benign SMS, low)")
    print(f"    {r['level']}: {r['reasons'][0]!r}")


@test
def test_lookalike_link_is_high():
    r = check_message(LOOKALIKE_URL, None, "result-lookalike-link")
    assert r["level"] == "high", f"look-alike link: expected high, got {r['level']!r}: {r['reasons']!r}"
    facts = app.s.execute("var b = document.getElementById('result-link');"
                          "return b && !b.hidden ? b.innerText : '';")
    assert facts, "the link result shows nothing about the link (#result-link hidden)"
    app.axe("result (look-alike link, high)")
    print(f"    {r['level']}: {r['reasons'][0]!r} (+{len(r['reasons']) - 1} more)")


# -- MoneyGuard ------------------------------------------------------------------------------

@test
def test_money_gift_cards_cool_off_then_high():
    app.go("go-money", "money")
    money_step("amount")
    app.visit("money-1-amount")
    app.type_into("#money-amount", "2500")
    app.click('[data-action="money-next"]')

    money_step("method")
    app.visit("money-2-method")
    app.click('[data-method="gift_card"]')

    money_step("who")
    app.visit("money-3-who")
    app.click('[data-impersonation="unsure"]')

    answers = [("did_they_contact_you_first", "yes"), ("urgency_present", "yes"), ("asked_to_keep_secret", "yes"),
               ("asked_for_verification_code", "no"), ("asked_for_remote_access", "no")]
    for i, (key, answer) in enumerate(answers):
        money_step(f"q-{key}")
        if i == 0:
            app.visit("money-4-question")
        app.click(f'[data-question="{key}"][data-answer="{answer}"]')

    money_step("details")
    app.type_into("#money-recipient", "Chase Bank security team")
    app.type_into("#money-reason", "To unlock my account today")
    summary = app.el("#money-answers").text
    assert "2,500" in summary or "2500" in summary, f"the answers summary does not show the amount: {summary!r}"
    assert "Gift cards" in summary, f"the answers summary does not show gift cards: {summary!r}"
    app.visit("money-5-details")
    app.click('[data-action="check-money"]')

    app.wait_screen("cooloff", 20)
    app.el('[data-action="cooloff-continue"]', "cooloff")
    assert not app.s.execute("return !document.querySelector('section[data-screen=\"result\"]').hidden"), \
        "the result is showing before the cool-off screen"
    app.visit("cooloff")
    app.click('[data-action="cooloff-continue"]', "cooloff")
    r = app.assert_result("high", "result-money")
    CHECKED.append(("Sending money", r["level"]))
    app.axe("result (money, high)")
    print(f"    {r['level']}: {r['reasons'][0]!r} (+{len(r['reasons']) - 1} more)")


@test
def test_money_empty_amount_shows_alert():
    app.go("go-money", "money")
    money_step("amount")
    app.el("#money-amount").clear()
    app.click('[data-action="money-next"]')
    alert = app.s.wait_until(lambda: app.el("#money-amount-error").text.strip(), 10,
                             message="#money-amount-error to say something")
    money_step("amount")
    assert app.el("#money-amount").attribute("aria-invalid") == "true", "the empty amount is not marked aria-invalid"
    print(f"    alert: {alert!r}")


# -- IdentityWatch ---------------------------------------------------------------------------

@test
def test_identity_three_signs():
    app.go("go-identity", "identity")
    app.visit("identity")
    signs = ("account_opened", "suspicious_inquiry", "address_change")
    for key in signs:
        choose_option(f'input[type="checkbox"][value="{key}"]')
    ticked = app.s.execute("return document.querySelectorAll('section[data-screen=\"identity\"] "
                           "input[type=checkbox]:checked').length")
    assert ticked == 3, f"{ticked} boxes ticked, expected 3"
    app.axe("identity (3 ticked)")
    app.click('[data-action="check-identity"]')
    r = app.assert_result(None, "result-identity")
    assert r["level"] in ("medium", "high"), f"3 identity-theft signs gave {r['level']!r}: {r['reasons']!r}"
    CHECKED.append(("My identity", r["level"]))
    app.axe(f"result (identity, {r['level']})")
    print(f"    {r['level']}: {len(r['reasons'])} reasons, first {r['reasons'][0]!r}")


# -- CallGuard -------------------------------------------------------------------------------

def call_panel() -> str:
    return app.s.execute("return document.getElementById('call-risk').dataset.level")


@test
def test_call_live_risk_then_summary():
    app.go("go-call", "call")
    assert call_panel() == "none", f"a new call starts at level {call_panel()!r}"
    app.visit("call")
    levels = []
    order = {"none": 0, "low": 1, "medium": 2, "high": 3}
    for key in ("bank_impersonation", "verification_code_request", "asks_to_keep_secret"):
        before = app.s.execute("return document.getElementById('call-risk').innerText")
        chip = app.el(f'button[data-signal="{key}"]')
        assert chip.attribute("aria-pressed") == "false", f"chip {key} is pressed before it was tapped"
        chip.click()
        app.s.wait_until(lambda: chip.attribute("aria-pressed") == "true", 5, message=f"chip {key} aria-pressed")
        app.s.wait_until(lambda: app.s.execute("return document.getElementById('call-risk').innerText") != before,
                         10, message=f"the live risk panel to change after {key}")
        levels.append(call_panel())
        assert app.screen() == "call", f"tapping {key} left the call screen"
    print(f"    live levels after each sign: {levels}")
    assert all(order[a] <= order[b] for a, b in zip(levels, levels[1:])), f"the risk went down: {levels}"
    assert levels[-1] == "high", f"after bank + code + secret the live risk is {levels[-1]!r}, not high"
    reasons = [e.text for e in app.els("#call-risk-reasons li") if e.text.strip()]
    assert reasons, "the live risk panel shows no reasons"
    # The at-a-glance bar (kept in view while the chips are scrolled) agrees with the panel.
    mini = app.s.execute("var m = document.getElementById('call-mini'); return [m.dataset.level, m.innerText];")
    assert mini[0] == "high" and "High risk" in mini[1], f"the call's risk bar shows {mini!r}"
    app.click('[data-action="show-call-risk"]')
    say = app.s.execute("var b = document.getElementById('call-script'); return b.hidden ? '' : b.innerText;")
    print(f"    panel: {reasons[0]!r}; script: {say[:80]!r}")
    app.s.execute("document.getElementById('call-risk').scrollIntoView({block: 'start'});")
    app.visit("call-live-high")

    # A note in the person's own words.
    app.type_into("#call-note", "He says he is from Chase fraud department and needs the code they texted me")
    app.click('[data-action="call-note"]')
    app.s.wait_until(lambda: app.el("#call-note-status").text.strip(), 10, message="the note to be added")

    app.click('[data-action="end-call"]')
    r = app.assert_result("high", "result-call-summary")
    CHECKED.append(("Phone call", r["level"]))
    app.axe("result (call summary, high)")
    print(f"    summary {r['level']}: {len(r['reasons'])} reasons")


@test
def test_call_ended_with_nothing_goes_home():
    app.go("go-call", "call")
    app.click('[data-action="end-call"]')
    app.wait_screen("home", 15)


# -- settings, trusted contact ---------------------------------------------------------------

@test
def test_settings_trusted_contact_used_on_result():
    # Before a contact is set, the result offers "Call someone I trust", which leads to Settings.
    check_message(SCAM_SMS, "sms", "result-no-trusted-contact")
    btn = app.el('[data-action="call-trusted"]', "result")
    assert "someone I trust" in btn.text, f'expected "Call someone I trust", got {btn.text!r}'
    btn.click()
    app.wait_screen("settings")
    app.visit("settings")
    app.type_into("#trusted-name", TRUSTED_NAME)
    app.type_into("#trusted-phone", TRUSTED_PHONE)
    app.click('[data-action="save-settings"]')
    status = app.s.wait_until(lambda: app.el("#settings-status").text.strip().startswith("Saved")
                              and app.el("#settings-status").text.strip(), 10, message="the settings to be saved")
    assert TRUSTED_NAME in status, f"the saved message does not name the contact: {status!r}"
    app.screenshot("settings-saved")
    app.axe("settings (saved)")

    r = check_message(SCAM_SMS, "sms", "result-with-trusted-contact")
    assert r["level"] == "high"
    btn = app.el('[data-action="call-trusted"]', "result")
    assert TRUSTED_NAME in btn.text, f'"Call someone I trust" does not show {TRUSTED_NAME!r}: {btn.text!r}'
    href = btn.attribute("href") or ""
    assert href.startswith("tel:") and "5550142" in href, f"the call button does not dial the number: {href!r}"
    app.axe("result (with trusted contact)")

    # And the contact is there when Settings is opened again.
    app.go("go-settings", "settings")
    assert app.el("#trusted-name").prop("value") == TRUSTED_NAME
    assert app.el("#trusted-phone").prop("value") == TRUSTED_PHONE


# -- Settings: warn my family (sync with a real server on loopback) --------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """guardian-server on loopback with its own database, no API key (loopback only)."""

    def __init__(self, port: int, folder: str) -> None:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": folder, "PORT": str(port), "RATE_LIMIT_PER_MINUTE": "0",
               "DATABASE_URL": f"sqlite://{folder}/server.db", "LOG_FORMAT": "json"}
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([SERVER], env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("guardian-server did not start")

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def sync_status_text() -> str:
    return app.s.execute("return document.getElementById('sync-status').textContent") or ""


def sync_error_text() -> str:
    return app.s.execute("return document.getElementById('sync-error').textContent") or ""


def open_sync_settings() -> None:
    app.go("go-settings", "settings")
    app.s.wait_until(lambda: sync_status_text().strip(), 10, message="the sync status")


@test
def test_settings_sync_enrol_alert_offline_hanging_and_off():
    if not Path(SERVER).exists():
        raise AssertionError(f"no guardian-server binary at {SERVER} (scripts/test-app builds it)")
    folder = tempfile.mkdtemp(prefix="guardian-e2e-server-")
    port = free_port()
    server = LocalServer(port, folder)
    hang = None
    try:
        open_sync_settings()
        assert "Sharing is off" in sync_status_text(), sync_status_text()
        app.screenshot("settings-sync-off")
        app.axe("settings (sync off)")

        # A wrong address is refused with the reason, nothing changes.
        app.type_into("#sync-url", "guardian.example.org")
        app.click('#sync-enrol-form button[type="submit"]')
        app.s.wait_until(lambda: "not a web address" in sync_error_text(), 15, message="the bad-address error")
        app.axe("settings (sync error)")

        app.type_into("#sync-url", server.url)
        app.click('#sync-enrol-form button[type="submit"]')
        app.s.wait_until(lambda: "Sharing is on" in sync_status_text(), 20, message="sharing to be on")
        assert not sync_error_text(), sync_error_text()
        app.screenshot("settings-sync-on")
        app.axe("settings (sync on)")

        # A trusted contact links with the code shown, on the server.
        app.click('[data-action="sync-link-code"]')
        code_text = app.s.wait_until(lambda: app.el("#sync-link-code").text.strip(), 15, message="a link code")
        code = code_text.split("Your code: ", 1)[1].split(".", 1)[0].strip()
        carer = server.call("POST", "/v1/caregivers", {"code": code, "name": "Dana"})
        alerts_path = f"/v1/caregivers/{carer['caregiver_id']}/alerts"

        # A high-risk check reaches the contact within one sync; a low one does not.
        check_message(BENIGN_SMS, "sms", "sync-low-check")
        check_message(SCAM_SMS, "sms", "sync-high-check")
        open_sync_settings()
        app.click('[data-action="sync-now"]')
        app.s.wait_until(lambda: "Last sent" in sync_status_text() and "Waiting" not in sync_status_text(), 25,
                         message="the checks to be sent")
        assert "Dana" in app.el("#sync-contacts").text, app.el("#sync-contacts").text
        alerts = server.call("GET", alerts_path, token=carer["token"])["alerts"]
        assert len(alerts) == 1 and alerts[0]["level"] == "high", alerts
        assert "Chase" not in json.dumps(alerts), "no message content in an alert"

        # The server goes away: checks still answer at once and wait; the status says why.
        server.stop()
        started = time.monotonic()
        check_message(SCAM_SMS, "sms", "sync-offline-check")
        assert time.monotonic() - started < 15, "a check waited on the network"
        open_sync_settings()
        app.click('[data-action="sync-now"]')
        app.s.wait_until(lambda: "cannot be reached" in (sync_error_text() + sync_status_text()), 30,
                         message="the unreachable status")
        assert "Waiting to send: 1 check" in sync_status_text(), sync_status_text()
        app.screenshot("settings-sync-unreachable")

        # A server that accepts and never answers: Send now waits (with a timeout) while the
        # rest of the app keeps working.
        hang = socket.socket()
        hang.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hang.bind(("127.0.0.1", port))
        hang.listen(16)
        app.click('[data-action="sync-now"]')
        time.sleep(0.5)
        started = time.monotonic()
        check_message(BENIGN_SMS, "sms", "sync-hanging-check")
        assert time.monotonic() - started < 15, "a check waited on a hanging server"
        open_sync_settings()
        app.s.wait_until(lambda: "did not answer in time" in (sync_error_text() + sync_status_text()), 40,
                         message="the timeout status")
        assert "Waiting to send: 2 checks" in sync_status_text(), sync_status_text()
        app.axe("settings (sync problem)")

        # Turning it off, with a confirmation.
        app.click('[data-action="sync-leave"]')
        app.click('[data-action="confirm-sync-leave"]')
        app.s.wait_until(lambda: "Sharing is off" in sync_status_text(), 40, message="sharing to be off")
        app.screenshot("settings-sync-left")
    finally:
        if hang is not None:
            hang.close()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- Past checks -----------------------------------------------------------------------------

def history_items() -> list[dict]:
    app.go("go-history", "history")
    app.s.wait_until(lambda: not app.s.execute("return document.getElementById('history-status').textContent")
                     .startswith("Loading"), 15, message="Past checks to load")
    time.sleep(0.2)
    return app.s.execute(
        "return Array.from(document.querySelectorAll('#history-list > li')).map(function (li) { return {"
        " id: li.dataset.id, text: li.innerText,"
        " level: (li.querySelector('[data-level]') || {dataset: {}}).dataset.level}; });")


@test
def test_history_lists_the_checks():
    items = history_items()
    app.visit("history")
    print(f"    {len(items)} past checks; made {len(CHECKED)} in this run")
    assert len(items) >= len(CHECKED), f"Past checks shows {len(items)} items, {len(CHECKED)} checks were made"
    assert len(items) >= 1, "Past checks is empty"
    text = "\n".join(i["text"] for i in items)
    for module, _ in CHECKED:
        assert module in text, f"no {module!r} check in Past checks"
    levels = sorted(i["level"] for i in items)
    assert set(levels) >= {lvl for _, lvl in CHECKED}, f"Past checks levels {levels} vs checked {CHECKED}"
    # Open the newest one: it shows the same kind of result, marked as from the past.
    app.click('#history-list > li:first-child [data-action="open-check"]')
    r = app.assert_result(items[0]["level"], "result-from-history")
    when = app.s.execute("var w = document.getElementById('result-when'); return w.hidden ? '' : w.innerText;")
    assert when, "an opened past check does not say when it was checked"
    app.axe("result (opened from Past checks)")
    app.click('[data-action="back"]', "result")
    app.wait_screen("history")


@test
def test_history_survives_restart():
    before = [i["id"] for i in history_items()]
    assert before, "nothing in Past checks to survive a restart"
    app.restart()
    after = [i["id"] for i in history_items()]
    app.screenshot("history-after-restart")
    assert after == before, f"Past checks changed across a restart: {len(before)} before, {len(after)} after"
    # The trusted contact too.
    app.go("go-settings", "settings")
    assert app.el("#trusted-name").prop("value") == TRUSTED_NAME, "the trusted contact was lost on restart"


@test
def test_history_delete_one_with_confirmation():
    items = history_items()
    assert len(items) >= 2, f"need 2+ past checks, have {len(items)}"
    victim = items[0]["id"]
    li = f'#history-list > li[data-id="{victim}"]'
    app.click(f'{li} [data-action="delete-check"]')
    confirm = app.el(f'{li} [data-action="confirm-delete"]')
    app.visit("history-confirm-delete")
    # "No" keeps it.
    app.click(f'{li} [data-action="cancel-delete"]')
    app.s.wait_until(lambda: not confirm.is_displayed(), 5, message="the confirmation to close")
    assert len(app.els("#history-list > li")) == len(items), "cancelling the delete removed something"
    # "Yes" deletes it.
    app.click(f'{li} [data-action="delete-check"]')
    app.click(f'{li} [data-action="confirm-delete"]')
    app.s.wait_until(lambda: not app.s.find_all(app.css(li)), 10, message="the check to disappear")
    assert len(app.els("#history-list > li")) == len(items) - 1
    app.screenshot("history-deleted-one")
    # Really gone (the list comes back from the store without it).
    again = [i["id"] for i in history_items()]
    assert victim not in again and len(again) == len(items) - 1, f"after delete: {len(again)} items"


@test
def test_history_delete_all_with_confirmation():
    items = history_items()
    assert items, "nothing to delete"
    app.click('[data-action="delete-all"]')
    app.el('[data-action="confirm-delete-all"]')
    app.visit("history-confirm-delete-all")
    app.click('[data-action="cancel-delete-all"]')
    assert len(app.els("#history-list > li")) == len(items), "cancelling delete-all removed something"
    app.click('[data-action="delete-all"]')
    app.click('[data-action="confirm-delete-all"]')
    app.s.wait_until(lambda: not app.els("#history-list > li"), 10, message="the list to empty")
    empty = app.el("#history-empty").text
    assert empty, "no 'no past checks' message"
    app.visit("history-empty")
    app.restart()
    assert history_items() == [], "deleted checks came back after a restart"


# ============================================================================== the runner ==

@test
def test_an_unusable_store_still_answers_and_says_why():
    """A data folder that cannot be used (here: under a plain file) must not stop the app:
    checks answer, the result says it was not kept, Past checks explains."""
    blocker = ARTIFACTS / "not-a-folder"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the data folder should be")
    app.stop()
    time.sleep(0.5)
    try:
        app.start(["--data-dir", str(blocker / "data")])
        app.go("go-message", "message")
        app.type_into("#message-text", SCAM_SMS)
        app.click('[data-action="check-message"]')
        app.wait_screen("result")
        assert app.el("[data-testid=result-level]").attribute("data-level") == "high"
        notice = app.s.execute("var n = document.getElementById('result-save-notice'); return n && !n.hidden ? n.innerText : '';")
        assert "Past checks" in notice, f"no notice that the check was not kept: {notice!r}"
        app.screenshot("result-not-kept")
        app.go("go-history", "history")
        why = app.s.execute("var n = document.getElementById('history-unavailable-why'); return n && !n.hidden ? n.innerText : '';")
        assert "cannot be kept" in why, f"Past checks does not say why: {why!r}"
        app.screenshot("history-unavailable")
        app.axe("history (store unavailable)")
    finally:
        app.restart()


def main(argv: list[str]) -> int:
    selected = list(TESTS)
    if "--list" in argv:
        for t in TESTS:
            print(t.__name__)
        return 0
    filters = [argv[i + 1] for i, a in enumerate(argv) if a == "-k" and i + 1 < len(argv)]
    if filters:
        selected = [t for t in TESTS if any(f in t.__name__ for f in filters)]
    started = time.monotonic()
    print(f"e2e: {len(selected)} tests; app {APP}; driver {DRIVER}; screenshots in {ARTIFACTS}")
    if ARTIFACTS.exists() and not filters:
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
    passed, failed = [], []
    try:
        app.start()
    except Exception as e:  # noqa: BLE001
        print(f"FAIL  the app did not start: {e}")
        traceback.print_exc()
        print(f"0 passed, {len(selected)} failed")
        return 1
    for t in selected:
        t0 = time.monotonic()
        print(f"RUN   {t.__name__}", flush=True)
        try:
            t()
        except Exception as e:  # noqa: BLE001  (AssertionError and everything else: a failure)
            failed.append(t.__name__)
            print(f"FAIL  {t.__name__} ({time.monotonic() - t0:.1f}s)")
            msg = str(e) if isinstance(e, AssertionError) else "".join(traceback.format_exception(e))
            print("      " + msg.replace("\n", "\n      "))
            try:
                app.screenshot(f"FAILED-{t.__name__}")
            except Exception:  # noqa: BLE001
                pass
            # Recover: home, else a new session (a fresh app on the same data folder).
            try:
                if not app.alive():
                    raise RuntimeError("app gone")
                app.go_home()
            except Exception:  # noqa: BLE001
                try:
                    app.restart()
                except Exception as e2:  # noqa: BLE001
                    print(f"      (could not restart the app: {e2})")
        else:
            passed.append(t.__name__)
            print(f"PASS  {t.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
    try:
        app.stop()
    except Exception:  # noqa: BLE001
        pass

    print("\naxe-core (impact: serious/critical fail the test):")
    for label, out in app.axe_results:
        by = {}
        for v in out["violations"]:
            by[v.get("impact") or "?"] = by.get(v.get("impact") or "?", 0) + 1
        ids = ", ".join(f"{v['id']}({v['impact']})" for v in out["violations"]) or "none"
        review = ", ".join(out.get("incomplete_ids") or []) or "none"
        print(f"  {label:34s} violations: {len(out['violations'])} [{ids}]  passes: {out['passes']}"
              f"  needs review: {out['incomplete']} [{review}]")
    if Session.retries:
        print(f"\n(webdriver: {Session.retries} command(s) sent again after tauri-driver dropped the connection "
              "to WebKitWebDriver; see webdriver.py)")
    print(f"\nran in {time.monotonic() - started:.0f}s")
    if failed:
        print("failed: " + ", ".join(failed))
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
