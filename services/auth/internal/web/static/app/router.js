// Hash routing and the one policy for errors.
//
// A screen is routed by the URL fragment: #/login shows
// <section id="screen-login">. The fragment never reaches the server, so
// the page is always the one document served at /, and the back button
// moves between screens. Screens register themselves with route(); an
// unknown fragment shows the profile, which sends a visitor without a
// session to the login screen.

import { ApiError } from "./api.js";
import { PasskeyError } from "./webauthn.js";
import { clearMessages, formatDuration, say, sayError, sentence, setNav, showScreen } from "./ui.js";

/** The screen shown for an empty or unknown fragment. */
const HOME = "profile";

/** @type {Map<string, {nav: "in"|"out"|"none", enter?: () => Promise<void>|void}>} */
const routes = new Map();

/** A message to show on the next screen (set by go, shown by render). */
let pending = null;

/**
 * Registers a screen.
 * @param {string} name the fragment (#/name) and the section (#screen-name)
 * @param {{nav: "in"|"out"|"none", enter?: () => Promise<void>|void}} def
 *   nav: which navigation shows with it; enter: loads its data when shown
 */
export function route(name, def) {
  routes.set(name, def);
}

/**
 * Goes to a screen, with a message for it: {status} (an outcome) or
 * {error}. Going to the screen already in the fragment renders it again
 * (the fragment does not change, so no hashchange event would).
 */
export function go(name, message = null) {
  pending = message;
  if (location.hash === `#/${name}`) {
    render();
  } else {
    location.hash = `#/${name}`;
  }
}

/** Starts the router: renders the current fragment, then every change. */
export function start() {
  window.addEventListener("hashchange", render);
  render();
}

/** Counts renders, so that a slow screen does not replace a later one. */
let renders = 0;

/** Whether an account's screen was shown since the last login screen. */
let signedIn = false;

/**
 * Shows the screen of the fragment. Its data is loaded first (enter), so
 * that a screen never shows empty or stale, and a visitor without a session
 * goes to the login screen without a glimpse of the account's screens.
 */
async function render() {
  const seq = ++renders;
  let name = location.hash.startsWith("#/") ? location.hash.slice(2) : "";
  if (!routes.has(name)) {
    name = HOME;
    history.replaceState(null, "", `#/${name}`);
  }
  const def = routes.get(name);
  const message = pending;
  pending = null;
  let error = null;
  try {
    await def.enter?.();
  } catch (err) {
    error = err;
  }
  if (seq !== renders) return; // the user moved on meanwhile
  if (error && redirects(error)) {
    // A first visit without a session goes to login without a word.
    fail(error, !signedIn);
    return;
  }
  clearMessages();
  if (message?.status) say(message.status);
  if (message?.error) sayError(message.error);
  setNav(def.nav);
  showScreen(name);
  if (def.nav !== "none") signedIn = def.nav === "in";
  if (error) fail(error);
}

/**
 * Whether err means the session cannot see this screen: 401 for want of a
 * session (not a wrong password or code: the session ended, by logout
 * elsewhere, expiry or revocation), or 403 mfa_required (the session needs
 * its second factor first).
 */
function redirects(err) {
  if (!(err instanceof ApiError)) return false;
  const sessionGone = err.status === 401 && !WRONG_ANSWERS.has(err.code);
  return sessionGone || (err.status === 403 && err.code === "mfa_required");
}

/** The 401s that say an answer was wrong, not that the session ended. */
const WRONG_ANSWERS = new Set(["invalid_credentials", "invalid_code", "invalid_credential"]);

/**
 * The one policy for errors, for every call of every screen:
 *  - the session cannot go on (redirects): to the login screen after a
 *    401, to the second factor after 403 mfa_required;
 *  - 429: the server's limit, with the wait from Retry-After;
 *  - anything else: the server's message, and the request id for support.
 * An error that is not the API's is a bug: reported on the console too.
 * quiet: redirect without a message.
 */
export function fail(err, quiet = false) {
  if (err instanceof PasskeyError) {
    sayError(err.message);
    return;
  }
  if (!(err instanceof ApiError)) {
    sayError("Something went wrong in this page. Reload it and try again.");
    console.error(err);
    return;
  }
  if (redirects(err) && err.status === 401) {
    go("login", quiet ? null : { error: "You are signed out (your session ended). Log in again." });
    return;
  }
  if (redirects(err)) {
    go("second-factor", quiet ? null : { status: "Enter a code from your authenticator app to continue." });
    return;
  }
  if (err.status === 429) {
    const wait = err.retryAfter ? ` Try again in ${formatDuration(err.retryAfter)}.` : " Try again later.";
    sayError(`Too many attempts.${wait}`);
    return;
  }
  const ref = err.id ? ` (reference ${err.id})` : "";
  sayError(sentence(err.message) + ref);
}

/**
 * Wires a form: on submit, clears the messages, disables its buttons while
 * handler runs (no double submission), and hands any error to fail. The
 * browser checks required fields and patterns first (native validation,
 * announced by screen readers).
 *
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<void>} handler
 */
export function onSubmit(form, handler) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, () => handler(new FormData(form)));
  });
}

/** Wires a button like onSubmit wires a form. */
export function onClick(button, handler) {
  button.addEventListener("click", () => busy(button, handler));
}

async function busy(node, handler) {
  clearMessages();
  const buttons = node instanceof HTMLButtonElement ? [node] : [...node.querySelectorAll("button")];
  for (const b of buttons) b.disabled = true;
  node.setAttribute("aria-busy", "true");
  try {
    await handler();
  } catch (err) {
    fail(err);
  } finally {
    for (const b of buttons) b.disabled = false;
    node.removeAttribute("aria-busy");
  }
}
