// Where the account is signed in (sessions) and what happened to it
// (activity).

import { api } from "../api.js";
import { onClick, route } from "../router.js";
import { byId, el, formatTime, say } from "../ui.js";

// GET /auth/sessions: {sessions: [{id, aal, created_at, expires_at,
// current}]}, newest first. Each other session gets a "Sign out" button
// that revokes it (DELETE /auth/sessions/{id}).
async function loadSessions() {
  const list = byId("sessions-list");
  list.setAttribute("aria-busy", "true");
  const { sessions } = await api("GET", "/auth/sessions");
  list.replaceChildren(...sessions.map(sessionItem));
  list.removeAttribute("aria-busy");
  byId("revoke-others").hidden = sessions.length < 2;
}

route("sessions", { nav: "in", enter: loadSessions });

function sessionItem(s) {
  const started = formatTime(s.created_at);
  const level = s.aal === "aal2" ? "Password and second factor" : "Password only";
  const item = el("li", { className: "item", "data-session-id": s.id },
    el("div", {},
      el("p", { className: "item-title" }, `Signed in ${started}`),
      el("p", { className: "hint" }, `${level} · expires ${formatTime(s.expires_at)} unless used`)));
  if (s.current) {
    item.setAttribute("data-current", "");
    item.append(el("span", { className: "badge" }, "This browser"));
  } else {
    const button = el("button", {
      type: "button",
      className: "secondary",
      "data-session-id": s.id,
      "aria-label": `Sign out the session signed in ${started}`,
    }, "Sign out");
    onClick(button, async () => {
      await api("DELETE", `/auth/sessions/${encodeURIComponent(s.id)}`);
      await loadSessions();
      say(`The session signed in ${started} is signed out.`);
    });
    item.append(button);
  }
  return item;
}

// POST /auth/sessions/revoke-others: {revoked}.
onClick(byId("revoke-others"), async () => {
  const { revoked } = await api("POST", "/auth/sessions/revoke-others");
  await loadSessions();
  say(revoked === 1 ? "One other session is signed out." : `${revoked} other sessions are signed out.`);
});

// GET /auth/activity: {events: [{kind, success, ip, created_at, repeats,
// actor?}]}, newest first, at most 50.
route("activity", {
  nav: "in",
  async enter() {
    const body = byId("activity-list");
    body.setAttribute("aria-busy", "true");
    const { events } = await api("GET", "/auth/activity");
    body.replaceChildren(...events.map(eventRow));
    body.removeAttribute("aria-busy");
  },
});

/** What each kind of event means, for people. */
const KINDS = {
  login: "Sign-in with password",
  totp: "Authenticator code",
  backup_code: "Backup code",
  passkey: "Passkey",
  passkey_registered: "Passkey added",
  passkey_deleted: "Passkey deleted",
  passkey_counter_regressed: "Passkey refused: its counter went back (a possible copy)",
  register: "Account created",
  second_factor_locked: "Second factor locked after too many failures",
  second_factor_unlocked: "Second factor unlocked",
  account_disabled: "Account disabled",
  account_enabled: "Account enabled",
  mfa_reset: "Two-factor authentication reset",
  password_changed: "Password changed",
  password_forgot: "Password reset link asked for",
  password_reset: "Password reset",
  verification_resend: "Verification link asked for",
  email_verify: "Email address verified",
};

function eventRow(e) {
  let what = KINDS[e.kind] || e.kind;
  if (e.actor) what += ` (by ${e.actor})`;
  let result = e.success ? "Succeeded" : "Failed";
  if (e.repeats > 1) result += ` × ${e.repeats}`;
  // data-label names the column where a narrow screen stacks the cells.
  return el("tr", { className: e.success ? "" : "failed" },
    el("td", { "data-label": "What" }, what),
    el("td", { "data-label": "Result" }, result),
    el("td", { "data-label": "From" }, e.ip),
    el("td", { "data-label": "When" }, formatTime(e.created_at)));
}
