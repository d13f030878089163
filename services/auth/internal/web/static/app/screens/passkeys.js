// The passkeys of the two-factor screen: list, add, delete. Signing in
// with one is in signin.js; the conversions for navigator.credentials in
// webauthn.js.

import { api, ApiError } from "../api.js";
import { go, onClick, onSubmit } from "../router.js";
import { byId, el, formatTime, say } from "../ui.js";
import { createPasskey } from "../webauthn.js";
import { showCodes } from "./backupcodes.js";

/**
 * GET /auth/passkeys: {passkeys: [{id, name, created_at, last_used_at?,
 * backup_eligible, backup_state}]}, oldest first. Called by the two-factor
 * screen as it loads.
 */
export async function loadPasskeys() {
  const list = byId("passkeys-list");
  list.setAttribute("aria-busy", "true");
  const { passkeys } = await api("GET", "/auth/passkeys");
  list.replaceChildren(...passkeys.map(passkeyItem));
  list.removeAttribute("aria-busy");
  byId("passkeys-none").hidden = passkeys.length > 0;
  closeDeleteForm();
}

function passkeyItem(p) {
  const used = p.last_used_at ? `last used ${formatTime(p.last_used_at)}` : "never used yet";
  const synced = p.backup_state ? " · synced to your other devices" : "";
  const button = el("button", {
    type: "button",
    className: "danger",
    "data-passkey-id": p.id,
    "aria-label": `Delete the passkey ${p.name}`,
  }, "Delete");
  onClick(button, () => deletePasskey(p));
  return el("li", { className: "item", "data-passkey-id": p.id },
    el("div", {},
      el("p", { className: "item-title" }, p.name),
      el("p", { className: "hint" }, `Added ${formatTime(p.created_at)} · ${used}${synced}`)),
    button);
}

// register/begin answers the options for navigator.credentials.create
// (bound to this session, 5 minutes); the browser asks the user's
// authenticator (fingerprint, face, screen lock or security key) and
// register/finish stores the new passkey. The first one turns MFA on,
// raises this session to aal2 (new cookie) and, when the account had no
// backup codes, answers ten of them, once.
onSubmit(byId("passkey-add-form"), async (data) => {
  const { options } = await api("POST", "/auth/passkeys/register/begin");
  const credential = await createPasskey(options);
  const name = (data.get("name") || "").trim();
  const result = await api("POST", "/auth/passkeys/register/finish", name ? { credential, name } : { credential });
  byId("passkey-add-form").reset();
  const added = `The passkey “${result.passkey.name}” is added.`;
  if (result.backup_codes.length > 0) {
    showCodes(result.backup_codes, `${added} Two-factor authentication is on.`);
  } else {
    go("two-factor", { status: added });
  }
});

// --- Deleting -------------------------------------------------------------

/** The passkey whose deletion waits for the password. */
let pendingDelete = null;

// DELETE /auth/passkeys/{id}: while another second factor remains, it
// just goes. The last one would turn MFA off and remove the backup codes,
// so the server asks for the password first (409 last_second_factor).
async function deletePasskey(p) {
  try {
    await api("DELETE", `/auth/passkeys/${encodeURIComponent(p.id)}`, {});
  } catch (err) {
    if (err instanceof ApiError && err.code === "last_second_factor") {
      askPassword(p);
      return;
    }
    throw err;
  }
  go("two-factor", { status: `The passkey “${p.name}” is deleted.` });
}

/** Shows the password form for deleting the last second factor. */
function askPassword(p) {
  pendingDelete = p;
  byId("passkey-delete-hint").textContent =
    `“${p.name}” is your last second factor: deleting it turns two-factor authentication off, and your backup codes stop working.`;
  byId("passkey-delete-form").hidden = false;
  byId("passkey-delete-password").focus();
  say("Enter your password to delete your last second factor.");
}

function closeDeleteForm() {
  pendingDelete = null;
  byId("passkey-delete-form").reset();
  byId("passkey-delete-form").hidden = true;
}

// The same DELETE with {password}; a wrong one is 401
// invalid_credentials (and counts as a failed login).
onSubmit(byId("passkey-delete-form"), async (data) => {
  const p = pendingDelete;
  await api("DELETE", `/auth/passkeys/${encodeURIComponent(p.id)}`, { password: data.get("password") });
  closeDeleteForm();
  go("two-factor", { status: `The passkey “${p.name}” is deleted. Two-factor authentication is off.` });
});

onClick(byId("passkey-delete-cancel"), closeDeleteForm);
