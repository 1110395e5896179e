// Titanium Guardian: screens, navigation and rendering.
// Everything shown from data is built with text nodes; nothing is parsed as HTML.

import { api, mode } from "./transport.js";
import {
  CALL_GROUPS,
  CHANNELS,
  IDENTITY_SIGNALS,
  IMPERSONATION,
  LEVEL_SHORT,
  LEVEL_WORDS,
  MODULE_NAMES,
  MONEY_QUESTIONS,
  PAYMENT_METHODS,
} from "./signals.js";

const MAX_TEXT_BYTES = 64 * 1024;
const MAX_AMOUNT = 1e9;
const HISTORY_LIMIT = 200;
const APP_NAME = "Titanium Guardian";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

const state = {
  info: null,
  infoReady: null,
  settings: { trusted_contact_name: "", trusted_contact_phone: "" },
  stack: [],
  current: { screen: "home" },
  navToken: 0,
  money: null,
  call: null,
  result: null,
  sync: null,
};

// ------------------------------------------------------------ building ----

/** Creates an element. Strings among the children become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  high: "M7.86 2h8.28L22 7.86v8.28L16.14 22H7.86L2 16.14V7.86zM11 6h2v8h-2zM12 15.6a1.4 1.4 0 1 0 0 2.8a1.4 1.4 0 1 0 0-2.8z",
  medium: "M12 1.5L23.5 21.5H.5zM11 8.5h2v6.5h-2zM12 16.4a1.3 1.3 0 1 0 0 2.6a1.3 1.3 0 1 0 0-2.6z",
  low: "M12 1a11 11 0 1 0 0 22a11 11 0 1 0 0-22zM6.3 12.4l1.6-1.6 2.6 2.6 5.6-5.6 1.6 1.6-7.2 7.2z",
  none: "M12 1a11 11 0 1 0 0 22a11 11 0 1 0 0-22zM11 10h2v8h-2zM12 5.6a1.4 1.4 0 1 0 0 2.8a1.4 1.4 0 1 0 0-2.8z",
  phone:
    "M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1C10.6 21 3 13.4 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z",
};

/** A decorative icon (hidden from screen readers: the words next to it say the same). */
function icon(name, cls = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", cls);
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name] || ICONS.none);
  path.setAttribute("fill", "currentColor");
  path.setAttribute("fill-rule", "evenodd");
  svg.append(path);
  return svg;
}

function levelOf(response) {
  const level = response && response.level;
  if (level === "high" || level === "medium" || level === "low") return level;
  const score = Number(response && response.score) || 0;
  return score >= 70 ? "high" : score >= 35 ? "medium" : "low";
}

function asList(value) {
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [];
}

function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" }).format(date);
  } catch {
    return date.toLocaleString();
  }
}

function formatAmount(n) {
  try {
    return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(n);
  } catch {
    return String(n);
  }
}

/** Cuts a string to at most `max` bytes of UTF-8, never inside a character. */
function capUtf8(text, max) {
  if (text.length * 3 <= max) return { text, cut: false };
  const buffer = new Uint8Array(max);
  const { read } = new TextEncoder().encodeInto(text, buffer);
  return read >= text.length ? { text, cut: false } : { text: text.slice(0, read), cut: true };
}

// ----------------------------------------------------- messages & focus ----

function section(name) {
  return $(`[data-screen="${name}"]`);
}

function currentSection() {
  return section(state.current.screen);
}

/** The error box of the visible step (or screen). */
function errorBox(scope) {
  const root = scope || currentSection();
  return $$('[data-role="error"]', root).find((box) => !box.closest("[hidden]")) || $("#global-alert");
}

function messageOf(reason) {
  if (typeof reason === "string" && reason.trim()) return reason.trim();
  if (reason && typeof reason.message === "string" && reason.message.trim()) return reason.message.trim();
  return "Something went wrong. Please try again.";
}

function showError(reason, scope) {
  const box = errorBox(scope);
  box.textContent = "";
  box.textContent = messageOf(reason);
}

function clearErrors(root = document) {
  for (const box of $$('[data-role="error"], #global-alert', root)) box.textContent = "";
}

let announceTimer = 0;
/** Says something through the polite live region. */
function announce(text) {
  const live = $("#live");
  live.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    live.textContent = text;
  }, 60);
}

/** Runs `work` with the button marked busy; errors land in the screen's error box. */
async function busy(button, label, work) {
  if (!button || button.dataset.busy === "true") return;
  const kids = Array.from(button.childNodes);
  button.dataset.busy = "true";
  button.setAttribute("aria-disabled", "true");
  button.replaceChildren(label);
  const scope = currentSection();
  try {
    await work();
  } catch (reason) {
    showError(reason, scope);
  } finally {
    button.replaceChildren(...kids);
    delete button.dataset.busy;
    button.removeAttribute("aria-disabled");
  }
}

// ---------------------------------------------------------- navigation ----

function visibleHeading(root) {
  return $$("h1", root).find((h) => !h.closest("[hidden]")) || $("h1", root);
}

function show(entry, { focus = true } = {}) {
  state.current = entry;
  state.navToken += 1;
  for (const screen of $$("[data-screen]")) screen.hidden = screen.dataset.screen !== entry.screen;
  const root = section(entry.screen);
  clearErrors(root);
  $("#global-alert").textContent = "";

  if (entry.screen === "money") showMoneyStep(entry.step || "amount");

  const bar = $("#topbar");
  if (entry.screen === "home") {
    bar.hidden = true;
  } else {
    bar.hidden = false;
    root.prepend(bar);
  }

  const heading = visibleHeading(root);
  const title = heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
  document.title = entry.screen === "home" || !title ? APP_NAME : `${title} \u2013 ${APP_NAME}`;

  const onShow = SHOW_HOOKS[entry.screen];
  if (onShow) onShow(entry);

  window.scrollTo(0, 0);
  if (focus && heading) heading.focus({ preventScroll: true });
}

function go(screen, extra = {}, { replace = false } = {}) {
  if (!replace) state.stack.push(state.current);
  show({ screen, ...extra });
}

function back() {
  const previous = state.stack.pop();
  if (previous) show(previous);
  else goHome();
}

function goHome() {
  state.stack = [];
  show({ screen: "home" });
}

// --------------------------------------------------------------- result ----

function setResult(check, context = {}) {
  state.result = { check: check || {}, context };
}

/** Shows a check's answer: high-risk money answers pause on the cool-off screen first. */
function openResult(check, context, options) {
  setResult(check, context);
  const level = levelOf(check && check.response);
  if (context.module === "moneyguard" && level === "high" && !context.fromHistory) go("cooloff", {}, options);
  else go("result", {}, options);
}

function textRuns(text, phrases) {
  const fragment = document.createDocumentFragment();
  const spans = asList(phrases).filter((p) => Number.isFinite(p.start) && Number.isFinite(p.end) && p.end > p.start);
  if (spans.length === 0) {
    fragment.append(text);
    return { fragment, marks: 0 };
  }
  // Byte offsets (UTF-8, as the back end counts) → string indices.
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  const index = new Int32Array(bytes + 1).fill(-1);
  for (let i = 0, b = 0; i < text.length; ) {
    const cp = text.codePointAt(i);
    index[b] = i;
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  index[bytes] = text.length;
  const at = (byte) => {
    let b = Math.max(0, Math.min(bytes, Math.floor(byte)));
    while (b > 0 && index[b] < 0) b -= 1;
    return index[b];
  };
  const ranges = spans
    .map((p) => [at(p.start), at(p.end)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  let cursor = 0;
  for (const [a, b] of merged) {
    if (a > cursor) fragment.append(text.slice(cursor, a));
    fragment.append(el("mark", {}, text.slice(a, b)));
    cursor = b;
  }
  if (cursor < text.length) fragment.append(text.slice(cursor));
  return { fragment, marks: merged.length };
}

function fillScript(box, sayEl, pushEl, script) {
  const say = script && typeof script.say_this === "string" ? script.say_this.trim() : "";
  const push = script && typeof script.if_they_push_back === "string" ? script.if_they_push_back.trim() : "";
  box.hidden = !(say || push);
  sayEl.textContent = say ? `\u201C${say}\u201D` : "";
  pushEl.textContent = push ? `\u201C${push}\u201D` : "";
  sayEl.previousElementSibling.hidden = !say;
  pushEl.previousElementSibling.hidden = !push;
}

function trustedContact() {
  const name = String(state.settings.trusted_contact_name || "").trim();
  const phone = String(state.settings.trusted_contact_phone || "").trim();
  const dial = phone.replace(/(?!^\+)[^\d]/g, "");
  return name && /\d{3,}/.test(dial) ? { name, phone, dial } : null;
}

function renderTrusted() {
  const slot = $("#result-trusted");
  const contact = trustedContact();
  if (contact) {
    slot.replaceChildren(
      el(
        "a",
        { class: "button button-call", href: `tel:${contact.dial}`, "data-action": "call-trusted", "aria-describedby": "trusted-number" },
        icon("phone"),
        `Call ${contact.name}`,
      ),
      el("span", { class: "hint", id: "trusted-number" }, contact.phone),
    );
  } else {
    slot.replaceChildren(
      el(
        "button",
        { type: "button", class: "button button-call", "data-action": "call-trusted", "aria-describedby": "trusted-hint" },
        icon("phone"),
        "Call someone I trust",
      ),
      el("span", { class: "hint", id: "trusted-hint" }, "First, add their name and number in Settings."),
    );
  }
}

function renderResult() {
  const { check, context } = state.result || { check: {}, context: {} };
  const response = (check && check.response) || {};
  const metadata = response.metadata || {};
  const level = levelOf(response);

  const banner = $("#result-level");
  banner.dataset.level = level;
  banner.replaceChildren(icon(level, "level-icon"), el("span", { class: "level-text" }, LEVEL_WORDS[level]));

  const score = Math.max(0, Math.min(100, Math.round(Number(response.score) || 0)));
  $("#result-score").textContent = `Risk score: ${score} out of 100`;

  const when = $("#result-when");
  const whenParts = [];
  if (context.module && MODULE_NAMES[context.module]) whenParts.push(MODULE_NAMES[context.module]);
  if (context.fromHistory && context.created_at) whenParts.push(`checked ${formatDate(context.created_at)}`);
  when.textContent = context.fromHistory ? whenParts.join(", ") : "";
  when.hidden = !context.fromHistory;

  const saveNotice = $("#result-save-notice");
  const saveError = check && typeof check.save_error === "string" ? check.save_error.trim() : "";
  saveNotice.textContent = saveError ? `This check could not be kept in Past checks. ${saveError}` : "";
  saveNotice.hidden = !saveError;

  $("#result-next").textContent =
    (typeof response.next_action === "string" && response.next_action.trim()) ||
    "Take your time. If you are not sure, talk to someone you trust before you do anything.";

  renderTrusted();
  fillScript($("#result-script"), $("#result-say"), $("#result-push"), response.safe_script);

  const reasons = asList(response.reasons).map(String);
  $("#result-reasons").replaceChildren(
    ...(reasons.length ? reasons : ["No warning signs were found."]).map((r) => el("li", {}, r)),
  );

  const link = metadata.url && typeof metadata.url === "object" ? metadata.url : null;
  const facts = [];
  if (link && link.host) facts.push(["It goes to", link.registrable_domain || link.host]);
  if (link && link.normalized) facts.push(["The full address", link.normalized]);
  if (link && link.imitates) facts.push(["It seems to pretend to be", link.imitates]);
  $("#result-link-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
  $("#result-link").hidden = facts.length === 0;

  const actions = asList(response.recommended_actions).filter((a) => a && (a.title || a.detail));
  $("#result-checklist").replaceChildren(
    ...actions.map((a) =>
      el(
        "li",
        {},
        icon("low", "check-icon"),
        el("div", {}, el("p", { class: "checklist-title" }, String(a.title || "")), el("p", {}, String(a.detail || ""))),
      ),
    ),
  );
  $("#result-checklist-box").hidden = actions.length === 0;

  const messageBox = $("#result-message");
  if (typeof context.text === "string" && context.text) {
    const { fragment, marks } = textRuns(context.text, metadata.matched_phrases);
    $("#result-message-text").replaceChildren(fragment);
    $("h2", messageBox).textContent = context.link ? "The link you checked" : "The message you checked";
    const hint = [];
    if (marks > 0) hint.push("Warning words are highlighted.");
    if (context.cut) hint.push("It was very long: only the first part was checked.");
    $("#result-message-hint").textContent = hint.join(" ");
    $("#result-message-hint").hidden = hint.length === 0;
    $("#result-message-text").setAttribute("aria-label", context.link ? "The link you checked" : "The message you checked");
    messageBox.hidden = false;
  } else {
    $("#result-message-text").replaceChildren();
    messageBox.hidden = true;
  }

  const notes = asList(metadata.notes).map(String);
  if (context.cut) notes.unshift("Only the first part was checked.");
  $("#result-notes").replaceChildren(...notes.map((n) => el("li", {}, n)));
  $("#result-notes").hidden = notes.length === 0;

  return level;
}

function onShowResult() {
  const level = renderResult();
  const response = (state.result && state.result.check && state.result.check.response) || {};
  const next = typeof response.next_action === "string" ? response.next_action : "";
  announce(`${LEVEL_WORDS[level]}. ${next}`.trim());
}

// ------------------------------------------------------------- message ----

function buildChannels() {
  $("#message-channels").replaceChildren(
    ...CHANNELS.map(([value, label]) =>
      el(
        "label",
        { class: "option option-radio" },
        el("input", { type: "radio", name: "channel", value }),
        el("span", {}, label),
      ),
    ),
  );
}

function resetMessage() {
  $("#message-text").value = "";
  $("#message-status").textContent = "";
  for (const radio of $$('input[name="channel"]')) radio.checked = false;
}

async function pasteMessage(button) {
  $("#message-status").textContent = "";
  clearErrors(section("message"));
  await busy(button, "Pasting\u2026", async () => {
    const text = await api.readClipboard();
    if (typeof text !== "string" || !text.trim()) {
      throw new Error("There's no text to paste. Copy the message first, then press Paste.");
    }
    const area = $("#message-text");
    area.value = text;
    const { cut } = capUtf8(text, MAX_TEXT_BYTES);
    $("#message-status").textContent = cut
      ? "Pasted. It is very long, so only the first part will be checked."
      : "Pasted. Now choose where it came from, then press Check it.";
  });
}

async function checkMessage(button) {
  const area = $("#message-text");
  const raw = area.value;
  clearErrors(section("message"));
  $("#message-status").textContent = "";
  if (!raw.trim()) {
    showError("Please paste or type the message or link first. Then press Check it.");
    area.focus();
    return;
  }
  const chosen = $('input[name="channel"]:checked');
  const channel = chosen ? chosen.value : "other";
  const trimmed = raw.trim();
  const isLink = trimmed.length <= 8192 && /^https?:\/\/\S+$/i.test(trimmed);
  const token = state.navToken;
  await busy(button, "Checking\u2026", async () => {
    let check;
    let context;
    if (isLink) {
      check = await api.assessUrl(trimmed);
      context = { module: "inboxguard", text: trimmed, link: true };
    } else {
      const { text, cut } = capUtf8(raw, MAX_TEXT_BYTES);
      check = await api.assessText(text, channel);
      context = { module: "inboxguard", text, cut };
    }
    if (token === state.navToken) openResult(check, context);
  });
}

// --------------------------------------------------------------- money ----

const MONEY_STEPS = ["amount", "method", "who", ...MONEY_QUESTIONS.map(([key]) => `q-${key}`), "details"];

function freshMoney() {
  return { amount: null, method: null, who: undefined, answers: {} };
}

function optionButton(attrs, label) {
  return el("button", { type: "button", class: "option", "aria-pressed": "false", ...attrs }, el("span", {}, label));
}

function buildMoney() {
  $("#money-methods").replaceChildren(
    ...PAYMENT_METHODS.map(([key, label]) => optionButton({ "data-method": key }, label)),
  );
  $("#money-who").replaceChildren(
    ...IMPERSONATION.map(([key, label]) => optionButton({ "data-impersonation": key === null ? "unsure" : key }, label)),
  );
  $("#money-questions").replaceChildren(
    ...MONEY_QUESTIONS.map(([key, question, hint], i) =>
      el(
        "div",
        { class: "step", "data-step": `q-${key}`, hidden: true },
        el("p", { class: "step-count", "data-role": "step-count" }),
        el("h1", { tabindex: "-1", id: `money-title-q${i}` }, question),
        el("p", { class: "hint", id: `money-hint-q${i}` }, hint),
        el(
          "div",
          { class: "yes-no", role: "group", "aria-labelledby": `money-title-q${i}`, "aria-describedby": `money-hint-q${i}` },
          optionButton({ "data-question": key, "data-answer": "yes" }, "Yes"),
          optionButton({ "data-question": key, "data-answer": "no" }, "No"),
        ),
      ),
    ),
  );
}

function resetMoney() {
  state.money = freshMoney();
  $("#money-amount").value = "";
  $("#money-recipient").value = "";
  $("#money-reason").value = "";
  $("#money-amount").removeAttribute("aria-invalid");
}

function setPressed(buttons, isOn) {
  for (const b of buttons) b.setAttribute("aria-pressed", isOn(b) ? "true" : "false");
}

function showMoneyStep(step) {
  const root = section("money");
  if (!state.money) resetMoney();
  const money = state.money;
  for (const s of $$("[data-step]", root)) s.hidden = s.dataset.step !== step;
  const visible = $(`[data-step="${step}"]`, root);
  const number = MONEY_STEPS.indexOf(step) + 1;
  const count = $('[data-role="step-count"]', visible);
  if (count) count.textContent = `Question ${number} of ${MONEY_STEPS.length}`;
  const heading = $("h1", visible);
  if (heading && heading.id) root.setAttribute("aria-labelledby", heading.id);

  setPressed($$("[data-method]", root), (b) => b.dataset.method === money.method);
  setPressed($$("[data-impersonation]", root), (b) =>
    money.who === undefined ? false : b.dataset.impersonation === (money.who === null ? "unsure" : money.who),
  );
  setPressed($$("[data-answer]", root), (b) => {
    const answer = money.answers[b.dataset.question];
    return answer !== undefined && (answer ? "yes" : "no") === b.dataset.answer;
  });
  if (step === "details") renderMoneyAnswers();
}

function labelFor(list, key) {
  const found = list.find(([k]) => k === key);
  return found ? found[1] : "";
}

function renderMoneyAnswers() {
  const money = state.money;
  const rows = [
    ["Amount", money.amount === null ? "" : formatAmount(money.amount)],
    ["How they want to be paid", labelFor(PAYMENT_METHODS, money.method)],
    ["Who they say they are", money.who === undefined ? "" : labelFor(IMPERSONATION, money.who)],
    ...MONEY_QUESTIONS.map(([key, question]) => [
      question,
      money.answers[key] === undefined ? "" : money.answers[key] ? "Yes" : "No",
    ]),
  ];
  $("#money-answers").replaceChildren(
    ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v || "Not answered")]),
  );
}

function nextMoneyStep(from) {
  const i = MONEY_STEPS.indexOf(from);
  return MONEY_STEPS[Math.min(i + 1, MONEY_STEPS.length - 1)];
}

function parseAmount(raw) {
  const text = String(raw || "").trim();
  if (!text) return { error: "Please type how much they asked for, in numbers. For example: 500." };
  const cleaned = text.replace(/[\s,\u00a0\u202f'$\u00a3\u20ac\u00a5]/g, "");
  if (/^-/.test(cleaned) || /^\u2212/.test(cleaned)) return { error: "The amount can't be less than zero. Please type the amount without a minus sign." };
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(cleaned)) {
    return { error: "Please type the amount using numbers only. For example: 250 or 1500.50." };
  }
  const value = Number(cleaned);
  if (!Number.isFinite(value)) return { error: "Please type the amount using numbers only. For example: 250." };
  if (value > MAX_AMOUNT) {
    return { error: "That amount is too large to check. Please type an amount up to 1,000,000,000." };
  }
  return { value };
}

function submitAmount() {
  const input = $("#money-amount");
  const parsed = parseAmount(input.value);
  if (parsed.error) {
    input.setAttribute("aria-invalid", "true");
    showError(parsed.error);
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  state.money.amount = parsed.value;
  go("money", { step: nextMoneyStep("amount") });
}

async function checkMoney(button) {
  const money = state.money;
  const missing = money.amount === null ? "amount" : !money.method ? "method" : null;
  if (missing) {
    showError("Some answers are missing. Please press Back and answer each question.");
    return;
  }
  const request = {
    amount: money.amount,
    payment_method: money.method,
    recipient: $("#money-recipient").value.trim(),
    reason: $("#money-reason").value.trim(),
    did_they_contact_you_first: money.answers.did_they_contact_you_first === true,
    urgency_present: money.answers.urgency_present === true,
    asked_to_keep_secret: money.answers.asked_to_keep_secret === true,
    asked_for_verification_code: money.answers.asked_for_verification_code === true,
    asked_for_remote_access: money.answers.asked_for_remote_access === true,
    impersonation_type: money.who === undefined ? null : money.who,
  };
  const token = state.navToken;
  await busy(button, "Checking\u2026", async () => {
    const check = await api.assessMoney(request);
    if (token === state.navToken) openResult(check, { module: "moneyguard" });
  });
}

// ------------------------------------------------------------ identity ----

function buildIdentity() {
  $("#identity-signals").replaceChildren(
    ...IDENTITY_SIGNALS.map(([key, label]) =>
      el(
        "label",
        { class: "option option-check" },
        el("input", { type: "checkbox", name: "identity", value: key }),
        el("span", {}, label),
      ),
    ),
  );
}

async function checkIdentity(button) {
  const signals = $$('input[name="identity"]:checked').map((box) => box.value);
  clearErrors(section("identity"));
  if (signals.length === 0) {
    showError("Please tick at least one thing that has happened, then press Check.");
    const first = $('input[name="identity"]');
    if (first) first.focus();
    return;
  }
  const token = state.navToken;
  await busy(button, "Checking\u2026", async () => {
    const check = await api.assessIdentity(signals);
    if (token === state.navToken) openResult(check, { module: "identitywatch" });
  });
}

// ---------------------------------------------------------------- call ----

const CALL_LABELS = new Map(CALL_GROUPS.flatMap((g) => g.signals));

function buildCallChips() {
  $("#call-chips").replaceChildren(
    ...CALL_GROUPS.map((group, i) =>
      el(
        "div",
        { class: "chip-group", role: "group", "aria-labelledby": `chip-group-${i}` },
        el("h2", { class: "section-title", id: `chip-group-${i}` }, group.title),
        el(
          "div",
          { class: "chips" },
          ...group.signals.map(([key, label]) =>
            el("button", { type: "button", class: "chip", "data-signal": key, "aria-pressed": "false" }, el("span", {}, label)),
          ),
        ),
      ),
    ),
  );
}

function freshCall() {
  return { id: null, starting: null, queue: Promise.resolve(), added: new Set(), count: 0, ending: false };
}

function startCallSession(call) {
  if (!call.starting) {
    call.starting = api.callStart().then(
      (started) => {
        const id = started && (started.session_id || started.sessionId);
        if (!id) throw new Error("The call check could not start. Please try again.");
        call.id = id;
        return id;
      },
      (reason) => {
        call.starting = null;
        throw reason;
      },
    );
  }
  return call.starting;
}

async function ensureCall(call) {
  if (call.id) return call.id;
  return startCallSession(call);
}

function enqueue(call, work) {
  const run = call.queue.then(work);
  call.queue = run.catch(() => {});
  return run;
}

function renderCallRisk(risk) {
  const panel = $("#call-risk");
  if (!risk) {
    panel.dataset.level = "none";
    $("#call-risk-level").replaceChildren(icon("none", "level-icon"), el("span", {}, "No warning signs yet. Tap what happens below."));
    $("#call-risk-reasons").replaceChildren();
    $("#call-risk-reasons").hidden = true;
    fillScript($("#call-script"), $("#call-say"), $("#call-push"), null);
    $("#call-mini").dataset.level = "none";
    $("#call-mini-text").replaceChildren(icon("none", "level-icon"), el("span", {}, "No warning signs yet"));
    return;
  }
  const level = levelOf(risk);
  panel.dataset.level = level;
  $("#call-mini").dataset.level = level;
  $("#call-mini-text").replaceChildren(icon(level, "level-icon"), el("span", {}, LEVEL_WORDS[level]));
  $("#call-risk-level").replaceChildren(icon(level, "level-icon"), el("span", {}, LEVEL_WORDS[level]));
  const items = [];
  if (typeof risk.next_action === "string" && risk.next_action.trim()) {
    items.push(el("li", { class: "risk-next" }, risk.next_action.trim()));
  }
  for (const reason of asList(risk.reasons).slice(0, 3)) items.push(el("li", {}, String(reason)));
  $("#call-risk-reasons").replaceChildren(...items);
  $("#call-risk-reasons").hidden = items.length === 0;
  fillScript($("#call-script"), $("#call-say"), $("#call-push"), risk.safe_script);
  const say = risk.safe_script && risk.safe_script.say_this ? ` Say this: ${risk.safe_script.say_this}` : "";
  announce(`${LEVEL_WORDS[level]}.${say}`);
}

function openCall() {
  const call = freshCall();
  state.call = call;
  for (const chip of $$("[data-signal]")) chip.setAttribute("aria-pressed", "false");
  $("#call-note").value = "";
  $("#call-note-status").textContent = "";
  renderCallRisk(null);
  startCallSession(call).catch((reason) => {
    if (state.call === call && state.current.screen === "call") showError(reason, section("call"));
  });
}

function tapSignal(chip) {
  const call = state.call;
  if (!call || call.ending) return;
  const key = chip.dataset.signal;
  const label = CALL_LABELS.get(key) || key;
  if (call.added.has(key)) {
    announce(`Already noted: ${label}.`);
    return;
  }
  clearErrors(section("call"));
  call.added.add(key);
  chip.setAttribute("aria-pressed", "true");
  enqueue(call, async () => {
    const id = await ensureCall(call);
    const risk = await api.callAdd(id, key);
    call.count += 1;
    if (state.call === call) renderCallRisk(risk);
  }).catch((reason) => {
    call.added.delete(key);
    chip.setAttribute("aria-pressed", "false");
    if (state.call === call) showError(reason, section("call"));
  });
}

function addCallNote(button) {
  const call = state.call;
  if (!call || call.ending) return;
  const area = $("#call-note");
  const status = $("#call-note-status");
  status.textContent = "";
  clearErrors(section("call"));
  if (!area.value.trim()) {
    showError("Type some of what they said first, then press Add.", section("call"));
    area.focus();
    return;
  }
  const { text } = capUtf8(area.value.trim(), MAX_TEXT_BYTES);
  busy(button, "Adding\u2026", () =>
    enqueue(call, async () => {
      const id = await ensureCall(call);
      const risk = await api.callNote(id, text);
      call.count += 1;
      if (state.call !== call) return;
      area.value = "";
      status.textContent = "Added. The risk above is up to date.";
      renderCallRisk(risk);
    }),
  );
}

async function endCall(button) {
  const call = state.call;
  if (!call || call.ending) return;
  call.ending = true;
  await busy(button, "Ending\u2026", async () => {
    await call.queue;
    if (!call.id && call.starting) await call.starting.catch(() => {});
    const nothing = "Call check closed. Nothing was noted, so there is nothing to show.";
    if (!call.id) {
      goHome();
      announce(nothing);
      return;
    }
    let check;
    try {
      check = await api.callEnd(call.id);
    } catch (reason) {
      if (call.count === 0) {
        goHome();
        announce(nothing);
        return;
      }
      call.ending = false;
      throw reason;
    }
    if (state.call !== call || state.current.screen !== "call") return;
    if (!check || !check.response) {
      goHome();
      announce(nothing);
      return;
    }
    openResult(check, { module: "callguard" }, { replace: true });
  });
}

// ------------------------------------------------------------- history ----

async function loadHistory() {
  const token = state.navToken;
  const list = $("#history-list");
  list.replaceChildren();
  $("#history-web-note").hidden = mode !== "web";
  $("#history-empty").hidden = true;
  $("#history-tools").hidden = true;
  $("#delete-all-confirm").hidden = true;
  $("#history-unavailable").hidden = true;
  $("#history-status").textContent = "Loading your past checks\u2026";
  if (state.infoReady) await state.infoReady;
  if (token !== state.navToken) return;
  const info = state.info || {};
  if (info.history_available === false) {
    $("#history-status").textContent = "";
    $("#history-unavailable").hidden = false;
    $("#history-unavailable-why").textContent = info.history_error ? String(info.history_error) : "";
    $("#history-unavailable-why").hidden = !info.history_error;
    return;
  }
  let items;
  try {
    items = await api.historyList(HISTORY_LIMIT);
  } catch (reason) {
    if (token !== state.navToken) return;
    $("#history-status").textContent = "";
    showError(reason, section("history"));
    return;
  }
  if (token !== state.navToken) return;
  $("#history-status").textContent = "";
  renderHistory(asList(items));
}

function historyItem(item) {
  const level = levelOf(item.response || item);
  const date = formatDate(item.created_at);
  const moduleName = MODULE_NAMES[item.module] || "Check";
  const what = `${moduleName}${date ? `, ${date}` : ""}`;
  const id = String(item.id);
  return el(
    "li",
    { class: "history-item", "data-id": id },
    el("p", { class: "history-level", "data-level": level }, icon(level, "level-icon"), el("span", {}, LEVEL_SHORT[level])),
    el("p", { class: "history-meta" }, el("span", { class: "history-module" }, moduleName), date ? el("time", { datetime: item.created_at }, date) : null),
    item.summary ? el("p", { class: "history-summary" }, String(item.summary)) : null,
    el(
      "div",
      { class: "row" },
      el("button", { type: "button", class: "button button-secondary", "data-action": "open-check", "data-id": id }, "Open", el("span", { class: "visually-hidden" }, ` the check: ${what}`)),
      el("button", { type: "button", class: "button button-danger-outline", "data-action": "delete-check", "data-id": id }, "Delete", el("span", { class: "visually-hidden" }, ` the check: ${what}`)),
    ),
    el(
      "div",
      { class: "confirm", hidden: true },
      el("p", { class: "confirm-question", tabindex: "-1" }, "Delete this check? This can't be undone."),
      el(
        "div",
        { class: "row" },
        el("button", { type: "button", class: "button button-danger", "data-action": "confirm-delete", "data-id": id }, "Yes, delete it"),
        el("button", { type: "button", class: "button button-secondary", "data-action": "cancel-delete", "data-id": id }, "No, keep it"),
      ),
    ),
  );
}

function renderHistory(items) {
  $("#history-list").replaceChildren(...items.map(historyItem));
  $("#history-empty").hidden = items.length > 0;
  $("#history-tools").hidden = items.length === 0;
}

function itemOf(button) {
  return button.closest(".history-item");
}

function askDelete(button) {
  const item = itemOf(button);
  if (!item) return;
  const confirm = $(".confirm", item);
  confirm.hidden = false;
  $(".confirm-question", confirm).focus();
}

function cancelDelete(button) {
  const item = itemOf(button);
  if (!item) return;
  $(".confirm", item).hidden = true;
  $('[data-action="delete-check"]', item).focus();
}

async function confirmDelete(button) {
  const item = itemOf(button);
  if (!item) return;
  const id = button.dataset.id;
  await busy(button, "Deleting\u2026", async () => {
    await api.historyDelete(id);
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    const left = $$("#history-list > li").length;
    $("#history-empty").hidden = left > 0;
    $("#history-tools").hidden = left === 0;
    $("#history-status").textContent = "The check was deleted.";
    const target = next ? $('[data-action="open-check"]', next) : $("#history-title");
    if (target) target.focus();
  });
}

async function openCheck(button) {
  const id = button.dataset.id;
  const token = state.navToken;
  await busy(button, "Opening\u2026", async () => {
    const record = await api.historyGet(id);
    if (token !== state.navToken) return;
    if (!record || !record.response) throw new Error("That check could not be opened. It may have been deleted.");
    setResult(
      { response: record.response, saved_id: record.id, save_error: null },
      { module: record.module, created_at: record.created_at, fromHistory: true },
    );
    go("result");
  });
}

function askDeleteAll() {
  $("#delete-all-confirm").hidden = false;
  $("#delete-all-question").focus();
}

function cancelDeleteAll() {
  $("#delete-all-confirm").hidden = true;
  $('[data-action="delete-all"]').focus();
}

async function confirmDeleteAll(button) {
  await busy(button, "Deleting\u2026", async () => {
    const count = await api.historyDeleteAll();
    $("#delete-all-confirm").hidden = true;
    renderHistory([]);
    const n = Number(count);
    $("#history-status").textContent = Number.isFinite(n)
      ? `Deleted ${n} past check${n === 1 ? "" : "s"}.`
      : "All past checks were deleted.";
    $("#history-title").focus();
  });
}

async function exportHistory(button) {
  $("#history-status").textContent = "";
  await busy(button, "Saving\u2026", async () => {
    const saved = await api.historyExport();
    const path = saved && saved.path ? String(saved.path) : "";
    $("#history-status").textContent = path ? `A copy was saved here: ${path}` : "A copy was saved.";
  });
}

// ------------------------------------------------------------ settings ----

function normalizeSettings(value) {
  const s = value && typeof value === "object" ? value : {};
  return {
    trusted_contact_name: typeof s.trusted_contact_name === "string" ? s.trusted_contact_name : "",
    trusted_contact_phone: typeof s.trusted_contact_phone === "string" ? s.trusted_contact_phone : "",
  };
}

function renderAbout() {
  const info = state.info || {};
  const parts = [];
  if (info.version) parts.push(info.version === "web" ? "Running in a web browser." : `Version ${info.version}.`);
  if (info.pack_version) parts.push(`Warning-sign rules: ${info.pack_version}.`);
  if (mode === "web") parts.push("In the browser, nothing is kept after you close the page.");
  $("#about-text").textContent = parts.join(" ");
}

function onShowSettings(entry) {
  $("#trusted-name").value = state.settings.trusted_contact_name;
  $("#trusted-phone").value = state.settings.trusted_contact_phone;
  $("#settings-status").textContent =
    entry && entry.from === "trusted" ? "Add the name and phone number of someone you trust, then press Save." : "";
  renderAbout();
  loadSync();
}

async function saveSettings(button) {
  const name = $("#trusted-name").value.trim();
  const phone = $("#trusted-phone").value.trim();
  const status = $("#settings-status");
  status.textContent = "";
  clearErrors(section("settings"));
  const fail = (message, field) => {
    showError(message);
    $(field).focus();
  };
  if (phone && !/^[+\d\s().\-]+$/.test(phone)) {
    fail("Please type the phone number using numbers only. For example: 555 123 4567.", "#trusted-phone");
    return;
  }
  if (phone && (phone.match(/\d/g) || []).length < 3) {
    fail("That phone number looks too short. Please check it.", "#trusted-phone");
    return;
  }
  if (phone && !name) {
    fail("Please add their name too.", "#trusted-name");
    return;
  }
  if (name && !phone) {
    fail("Please add their phone number too, so the app can call them.", "#trusted-phone");
    return;
  }
  await busy(button, "Saving\u2026", async () => {
    const wanted = { trusted_contact_name: name, trusted_contact_phone: phone };
    const saved = await api.settingsSet(wanted);
    state.settings = normalizeSettings(saved && typeof saved === "object" ? saved : wanted);
    const who = state.settings.trusted_contact_name;
    status.textContent = who
      ? `Saved. After each check, you'll see a button to call ${who}.`
      : "Saved. No one is set up to call.";
  });
}

// ------------------------------------------------- warn my family (sync) ----

const SHARE_KEYS = ["text", "url", "amounts", "names"];

function syncError(reason) {
  const box = $("#sync-error");
  box.textContent = "";
  if (reason) box.textContent = messageOf(reason);
}

/** Runs a sync action with its button busy; errors go to the sync panel's own box. */
async function syncBusy(button, label, work) {
  syncError(null);
  await busy(button, label, async () => {
    try {
      await work();
    } catch (reason) {
      syncError(reason);
      loadSync(false);
    }
  });
}

function whenText(iso) {
  return iso ? formatDate(iso) : "";
}

function renderSync(view) {
  const v = view && typeof view === "object" ? view : {};
  state.sync = v;
  const status = $("#sync-status");
  const enrolForm = $("#sync-enrol-form");
  const on = $("#sync-on");
  if (!v.available) {
    enrolForm.hidden = true;
    on.hidden = true;
    status.textContent = v.unavailable_reason ? String(v.unavailable_reason) : "Sharing is not available here.";
    return;
  }
  enrolForm.hidden = Boolean(v.enrolled);
  on.hidden = !v.enrolled;
  if (!v.enrolled) {
    status.textContent = "Sharing is off. Everything stays on this device.";
    return;
  }
  const pending = Number(v.pending) || 0;
  const parts = [`Sharing is on, with ${v.server_url || "your family's service"}.`];
  parts.push(v.last_sync_at ? `Last sent: ${whenText(v.last_sync_at)}.` : "Nothing has been sent yet.");
  if (pending > 0) parts.push(`Waiting to send: ${pending} check${pending === 1 ? "" : "s"}.`);
  if (v.rule_pack) parts.push(String(v.rule_pack));
  status.textContent = parts.join(" ");
  // The last problem goes in the alert box (once), not in the "all is well" status.
  if (v.last_error) syncError(`Last try, ${whenText(v.last_attempt_at)}: ${v.last_error}`);
  const share = v.share && typeof v.share === "object" ? v.share : {};
  for (const box of $$('input[name="share"]')) box.checked = Boolean(share[box.value]);
  const contacts = asList(v.contacts);
  $("#sync-contacts").textContent = contacts.length
    ? `Warned when a check finds a high risk: ${contacts.map((c) => c.name || "your trusted contact").join(", ")}.`
    : "No one is linked yet. Get a code, and give it to the person you trust so they can link to you.";
  $("#sync-unlink").hidden = contacts.length === 0;
}

function loadSync(clear = true) {
  if (clear) syncError(null);
  return api.syncStatus().then(renderSync, (reason) => syncError(reason));
}

async function enrolSync(button) {
  const url = $("#sync-url").value.trim();
  const code = $("#sync-code").value.trim();
  syncError(null);
  if (!url) {
    syncError("Please type the service address you were given, like https://guardian.example.org");
    $("#sync-url").focus();
    return;
  }
  await syncBusy(button, "Turning on\u2026", async () => {
    renderSync(await api.syncEnrol(url, code || null));
    $("#sync-code").value = "";
    announce("Sharing is on.");
  });
}

async function syncNow(button) {
  await syncBusy(button, "Sending\u2026", async () => {
    const done = await api.syncNow();
    renderSync(done && done.status);
    const sent = Number(done && done.report && done.report.sent) || 0;
    const note = done && done.rules_note ? ` ${done.rules_note}` : "";
    announce(`Sent ${sent} check${sent === 1 ? "" : "s"}.${note}`);
  });
}

async function saveShare(button) {
  const share = {};
  for (const key of SHARE_KEYS) share[key] = false;
  for (const box of $$('input[name="share"]:checked')) share[box.value] = true;
  await syncBusy(button, "Saving\u2026", async () => {
    renderSync(await api.syncSetShare(share));
    announce("Saved what to send.");
  });
}

async function linkCode(button) {
  const box = $("#sync-link-code");
  await syncBusy(button, "Getting a code\u2026", async () => {
    const made = await api.syncLinkCode();
    const until = made && made.expires_at ? ` It works once, until ${whenText(made.expires_at)}.` : "";
    box.textContent = `Your code: ${made && made.code ? made.code : ""}. Give it to the person you trust.${until}`;
    box.hidden = false;
    announce(box.textContent);
  });
}

async function unlinkContacts(button) {
  await syncBusy(button, "Stopping\u2026", async () => {
    renderSync(await api.syncUnlink());
    $("#sync-link-code").hidden = true;
    announce("Your trusted contact will not be warned any more.");
  });
}

function askSyncLeave() {
  $("#sync-leave-confirm").hidden = false;
  $("#sync-leave-question").focus();
}

function cancelSyncLeave() {
  $("#sync-leave-confirm").hidden = true;
  $('[data-action="sync-leave"]').focus();
}

async function confirmSyncLeave(button) {
  await syncBusy(button, "Turning off\u2026", async () => {
    renderSync(await api.syncLeave());
    $("#sync-leave-confirm").hidden = true;
    $("#sync-link-code").hidden = true;
    announce("Sharing is off. Everything stays on this device.");
    $("#sync-title").setAttribute("tabindex", "-1");
    $("#sync-title").focus();
  });
}

// -------------------------------------------------------------- events ----

const SHOW_HOOKS = {
  result: onShowResult,
  history: loadHistory,
  settings: onShowSettings,
};

const ACTIONS = {
  back: () => back(),
  home: () => goHome(),
  "check-else": () => goHome(),
  "go-call": () => {
    openCall();
    go("call");
  },
  "go-money": () => {
    resetMoney();
    go("money", { step: "amount" });
  },
  "go-message": () => {
    resetMessage();
    go("message");
  },
  "go-identity": () => {
    for (const box of $$('input[name="identity"]')) box.checked = false;
    go("identity");
  },
  "go-history": () => go("history"),
  "go-settings": () => go("settings"),
  paste: (b) => pasteMessage(b),
  "clear-message": () => {
    resetMessage();
    $("#message-text").focus();
  },
  "cooloff-continue": () => go("result"),
  "call-trusted": (b, event) => {
    if (b.tagName === "A") return; // a tel: link: let the system dial
    event.preventDefault();
    go("settings", { from: "trusted" });
  },
  "end-call": (b) => endCall(b),
  "show-call-risk": () => {
    const panel = $("#call-risk");
    panel.scrollIntoView({ block: "start" });
    const title = panel.querySelector(".risk-panel-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  },
  "open-check": (b) => openCheck(b),
  "delete-check": (b) => askDelete(b),
  "cancel-delete": (b) => cancelDelete(b),
  "confirm-delete": (b) => confirmDelete(b),
  "delete-all": () => askDeleteAll(),
  "cancel-delete-all": () => cancelDeleteAll(),
  "confirm-delete-all": (b) => confirmDeleteAll(b),
  "export-history": (b) => exportHistory(b),
  "sync-now": (b) => syncNow(b),
  "sync-link-code": (b) => linkCode(b),
  "sync-unlink": (b) => unlinkContacts(b),
  "sync-leave": () => askSyncLeave(),
  "cancel-sync-leave": () => cancelSyncLeave(),
  "confirm-sync-leave": (b) => confirmSyncLeave(b),
};

function onClick(event) {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;

  const chip = target.closest("[data-signal]");
  if (chip) {
    tapSignal(chip);
    return;
  }
  const method = target.closest("[data-method]");
  if (method) {
    state.money.method = method.dataset.method;
    go("money", { step: nextMoneyStep("method") });
    return;
  }
  const who = target.closest("[data-impersonation]");
  if (who) {
    const value = who.dataset.impersonation;
    state.money.who = value === "unsure" ? null : value;
    go("money", { step: nextMoneyStep("who") });
    return;
  }
  const answer = target.closest("[data-answer]");
  if (answer) {
    const key = answer.dataset.question;
    state.money.answers[key] = answer.dataset.answer === "yes";
    go("money", { step: nextMoneyStep(`q-${key}`) });
    return;
  }

  const control = target.closest("[data-action]");
  if (!control) return;
  // Submit buttons are handled by their form's submit event (click and Enter alike).
  if (control.tagName === "BUTTON" && control.type === "submit") return;
  if (control.dataset.busy === "true") {
    event.preventDefault();
    return;
  }
  const action = ACTIONS[control.dataset.action];
  if (action) action(control, event);
}

function onSubmit(form, handler) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = $('button[type="submit"]', form);
    if (button && button.dataset.busy === "true") return;
    handler(button);
  });
}

function showUnexpected() {
  const box = $("#global-alert");
  if (box && !box.textContent) {
    box.textContent = "Something went wrong on this screen. Please press Home and try again.";
  }
}

function start() {
  // Ask the back end first: its answer arrives while the screens are being built.
  const info = api.appInfo();
  buildCallChips();
  buildMoney();
  buildIdentity();
  buildChannels();
  resetMoney();
  state.call = freshCall();

  document.addEventListener("click", onClick);
  onSubmit($("#message-form"), checkMessage);
  onSubmit($("#money-amount-form"), submitAmount);
  onSubmit($("#money-details-form"), checkMoney);
  onSubmit($("#identity-form"), checkIdentity);
  onSubmit($("#settings-form"), saveSettings);
  onSubmit($("#sync-enrol-form"), enrolSync);
  onSubmit($("#sync-share-form"), saveShare);
  onSubmit($("#call-note-form"), addCallNote);
  window.addEventListener("error", showUnexpected);
  window.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    showUnexpected();
  });

  show({ screen: "home" }, { focus: false });

  state.infoReady = info
    .then(
      (info) => {
        state.info = info && typeof info === "object" ? info : {};
      },
      (reason) => {
        state.info = { history_available: true, history_error: null };
        showError(reason, section("home"));
      },
    )
    .finally(() => {
      document.body.dataset.ready = "true";
      renderAbout();
      api.settingsGet().then(
        (s) => {
          state.settings = normalizeSettings(s);
          if (state.current.screen === "result") renderTrusted();
        },
        () => {},
      );
    });
}

start();
