// The one module that talks to the back end.
//
// In the Tauri app, every call is a Rust command through window.__TAURI_INTERNALS__.invoke.
// In an ordinary browser ("web mode", served next to guardian-server), the same calls go to
// the v1 HTTP API on the same origin; past checks and settings then live in memory only.
//
// Every function returns a Promise. On failure it rejects with an Error whose message is a
// plain-English sentence that can be shown to a person as it is.

const tauri = typeof window !== "undefined" ? window.__TAURI_INTERNALS__ : undefined;

/** "app" inside Tauri, "web" in a browser. */
export const mode = tauri && typeof tauri.invoke === "function" ? "app" : "web";

const GENERIC = "Something went wrong. Please try again.";
const REQUEST_TIMEOUT_MS = 30000;

/** Turns whatever a failure carried into an Error with a sentence a person can read. */
function friendly(reason, fallback = GENERIC) {
  let text = "";
  if (typeof reason === "string") text = reason;
  else if (reason && typeof reason.message === "string") text = reason.message;
  else if (reason && typeof reason.error === "string") text = reason.error;
  text = text.trim();
  return new Error(text || fallback);
}

// ---------------------------------------------------------------- Tauri ----

async function invoke(cmd, args) {
  try {
    return await tauri.invoke(cmd, args || {});
  } catch (reason) {
    throw friendly(reason);
  }
}

const appApi = {
  appInfo: () => invoke("app_info"),
  assessText: (text, channel) => invoke("assess_text", { text, channel }),
  assessUrl: (url) => invoke("assess_url", { url }),
  assessMoney: (request) => invoke("assess_money", { request }),
  assessIdentity: (signals) => invoke("assess_identity", { signals }),
  callStart: () => invoke("call_start"),
  callAdd: (sessionId, signal) => invoke("call_add", { sessionId, signal }),
  callNote: (sessionId, text) => invoke("call_note", { sessionId, text }),
  callEnd: (sessionId) => invoke("call_end", { sessionId }),
  historyList: (limit) => invoke("history_list", { limit }),
  historyGet: (id) => invoke("history_get", { id }),
  historyDelete: (id) => invoke("history_delete", { id }),
  historyDeleteAll: () => invoke("history_delete_all"),
  historyExport: () => invoke("history_export"),
  settingsGet: () => invoke("settings_get"),
  settingsSet: (settings) => invoke("settings_set", { settings }),
  readClipboard: () => invoke("read_clipboard"),
  syncStatus: () => invoke("sync_status"),
  syncEnrol: (serverUrl, code) => invoke("sync_enrol", { serverUrl, code }),
  syncLeave: () => invoke("sync_leave"),
  syncSetShare: (share) => invoke("sync_set_share", { share }),
  syncNow: () => invoke("sync_now"),
  syncLinkCode: () => invoke("sync_link_code"),
  syncUnlink: () => invoke("sync_unlink"),
};

// ------------------------------------------------------------------ web ----

const FIELD_WORDS = {
  text: "the message",
  url: "the link",
  channel: "where the message came from",
  amount: "the amount",
  payment_method: "how they want to be paid",
  recipient: "who the money is for",
  reason: "why they want the money",
  impersonation_type: "who they say they are",
  signal_key: "the warning sign",
  signals: "the warning signs",
};

/** A sentence for an HTTP error from the v1 API. */
function httpProblem(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail) && detail.length > 0) {
    const first = detail[0] || {};
    const loc = Array.isArray(first.loc) ? first.loc : [];
    const field = loc.length ? String(loc[loc.length - 1]) : "";
    const what = FIELD_WORDS[field] || "what was entered";
    const msg = typeof first.msg === "string" ? first.msg.trim().replace(/\.$/, "") : "";
    return msg ? `Please check ${what}: ${msg}.` : `Please check ${what} and try again.`;
  }
  if (status === 429) return "Too many checks in a short time. Please wait a minute, then try again.";
  if (status === 413) return "That is too long to check. Please check a shorter part of it.";
  if (status === 401 || status === 403) return "The checking service would not accept this request. Please ask whoever set it up for help.";
  if (status >= 500) return "The checking service had a problem. Please try again in a moment.";
  if (typeof detail === "string" && detail.trim()) {
    const d = detail.trim();
    return /[.!?]$/.test(d) ? d : `${d}.`;
  }
  return GENERIC;
}

/** Thrown when a session ended before anything was assessed (the API's 404). */
class NotFound extends Error {}

async function post(path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body === undefined ? {} : body),
      signal: controller.signal,
      credentials: "same-origin",
    });
  } catch (reason) {
    throw new Error(
      reason && reason.name === "AbortError"
        ? "The check took too long. Please check your connection and try again."
        : "Could not reach the checking service. Please check your internet connection and try again.",
    );
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = httpProblem(response.status, data);
    throw response.status === 404 ? new NotFound(message) : new Error(message);
  }
  if (data === null || typeof data !== "object") {
    throw new Error("The checking service gave an answer the app could not read. Please try again.");
  }
  return data;
}

function randomId() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const WEB_NO_SYNC = "Sharing with family is set up in the Titanium Guardian app, not in the browser.";
const userId = randomId();
const memory = { history: [], settings: { trusted_contact_name: "", trusted_contact_phone: "" } };
const calls = new Map(); // session id → number of signs/notes added

function clip(s, n) {
  const t = String(s || "").replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n - 1)}\u2026` : t;
}

/** Keeps a check in memory (web mode's Past checks) and wraps it as a CheckResult. */
function remember(module, summary, response) {
  memory.history.unshift({
    id: randomId(),
    module,
    summary,
    response,
    created_at: new Date().toISOString(),
  });
  return { response, saved_id: null, save_error: null };
}

function copy(value) {
  return JSON.parse(JSON.stringify(value));
}

async function startSession(module) {
  const started = await post("/v1/session/start", { user_id: userId, device_id: "web", module });
  if (!started || typeof started.session_id !== "string") {
    throw new Error("The checking service did not start the check. Please try again.");
  }
  return started.session_id;
}

const sessionPath = (id) => `/v1/session/${encodeURIComponent(id)}`;

function downloadJson(name, value) {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const webApi = {
  appInfo: async () => ({ version: "web", pack_version: "", history_available: true, history_error: null }),

  assessText: async (text, channel) => {
    const response = await post("/v1/inboxguard/analyze_text", { text, channel });
    return remember("inboxguard", clip(text, 80), response);
  },

  assessUrl: async (url) => {
    const response = await post("/v1/inboxguard/analyze_url", { url });
    return remember("inboxguard", clip(url, 80), response);
  },

  assessMoney: async (request) => {
    const response = await post("/v1/moneyguard/assess", request);
    const who = request.recipient ? ` to ${clip(request.recipient, 40)}` : "";
    const how = String(request.payment_method || "").replace(/_/g, " ");
    return remember("moneyguard", `${request.amount} by ${how}${who}`, response);
  },

  assessIdentity: async (signals) => {
    const id = await startSession("identitywatch");
    const payload = {};
    for (const key of signals) payload[key] = true;
    const response = await post(`${sessionPath(id)}/event`, { type: "signals", payload });
    const n = signals.length;
    return remember("identitywatch", `${n} warning sign${n === 1 ? "" : "s"} ticked`, response);
  },

  callStart: async () => {
    const id = await startSession("callguard");
    calls.set(id, 0);
    return { session_id: id };
  },

  callAdd: async (sessionId, signal) => {
    const risk = await post(`${sessionPath(sessionId)}/event`, { type: "signal", payload: { signal_key: signal } });
    calls.set(sessionId, (calls.get(sessionId) || 0) + 1);
    return risk;
  },

  callNote: async (sessionId, text) => {
    const risk = await post(`${sessionPath(sessionId)}/event`, { type: "note", payload: { text } });
    calls.set(sessionId, (calls.get(sessionId) || 0) + 1);
    return risk;
  },

  // Resolves null when the call had nothing to summarise (the API answers 404 then).
  callEnd: async (sessionId) => {
    let summary;
    try {
      summary = await post(`${sessionPath(sessionId)}/end`, {});
    } catch (reason) {
      if (reason instanceof NotFound) {
        calls.delete(sessionId);
        return null;
      }
      throw reason;
    }
    const n = calls.get(sessionId) || 0;
    calls.delete(sessionId);
    const response = summary.last_risk || summary.response || summary;
    return remember("callguard", `Call with ${n} warning sign${n === 1 ? "" : "s"} noted`, response);
  },

  historyList: async (limit) => copy(memory.history.slice(0, limit || memory.history.length)),

  historyGet: async (id) => {
    const found = memory.history.find((h) => h.id === id);
    if (!found) throw new Error("That check is no longer in Past checks.");
    return copy(found);
  },

  historyDelete: async (id) => {
    memory.history = memory.history.filter((h) => h.id !== id);
    return null;
  },

  historyDeleteAll: async () => {
    const n = memory.history.length;
    memory.history = [];
    return n;
  },

  historyExport: async () => {
    const day = new Date().toISOString().slice(0, 10);
    const name = `titanium-guardian-past-checks-${day}.json`;
    downloadJson(name, { exported_at: new Date().toISOString(), checks: memory.history });
    return { path: `${name}, in your browser's Downloads folder` };
  },

  settingsGet: async () => copy(memory.settings),

  settingsSet: async (settings) => {
    memory.settings = {
      trusted_contact_name: String(settings.trusted_contact_name || ""),
      trusted_contact_phone: String(settings.trusted_contact_phone || ""),
    };
    return copy(memory.settings);
  },

  // Sharing with family is the app's: a browser page keeps nothing to send.
  syncStatus: async () => ({
    available: false,
    unavailable_reason: "Sharing with family is set up in the Titanium Guardian app, not in the browser.",
  }),
  syncEnrol: async () => {
    throw new Error(WEB_NO_SYNC);
  },
  syncLeave: async () => {
    throw new Error(WEB_NO_SYNC);
  },
  syncSetShare: async () => {
    throw new Error(WEB_NO_SYNC);
  },
  syncNow: async () => {
    throw new Error(WEB_NO_SYNC);
  },
  syncLinkCode: async () => {
    throw new Error(WEB_NO_SYNC);
  },
  syncUnlink: async () => {
    throw new Error(WEB_NO_SYNC);
  },

  readClipboard: async () => {
    const howTo = "Click in the box and press Ctrl+V (or Command+V on a Mac) to paste instead.";
    if (!navigator.clipboard || typeof navigator.clipboard.readText !== "function") {
      throw new Error(`This browser won't let the app read what you copied. ${howTo}`);
    }
    let text;
    try {
      text = await navigator.clipboard.readText();
    } catch {
      throw new Error(`The app wasn't allowed to read what you copied. ${howTo}`);
    }
    if (!text || !text.trim()) {
      throw new Error("There's no text to paste. Copy the message first, then press Paste.");
    }
    return text;
  },
};

/** The back end, whichever it is. */
export const api = mode === "app" ? appApi : webApi;
