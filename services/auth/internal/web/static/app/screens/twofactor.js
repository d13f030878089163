// Two-factor authentication: TOTP enrollment, a new set of backup codes,
// turning TOTP off; the screen's passkeys are in passkeys.js.

import { api } from "../api.js";
import { go, onClick, onSubmit, route } from "../router.js";
import { byId } from "../ui.js";
import { showCodes } from "./backupcodes.js";
import { loadPasskeys } from "./passkeys.js";

// The screen shows the authenticator-app set-up while TOTP is off (MFA may
// be on through a passkey alone: profile's totp_enabled and mfa_enabled
// say which), the backup codes while MFA is on, and turning TOTP off while
// it is on.
route("two-factor", {
  nav: "in",
  async enter() {
    const p = await api("GET", "/auth/profile");
    byId("twofactor-off").hidden = p.totp_enabled;
    byId("twofactor-on").hidden = !p.mfa_enabled;
    byId("totp-disable").hidden = !p.totp_enabled;
    byId("enroll-panel").hidden = true;
    byId("enroll-start").hidden = false;
    byId("backup-remaining").textContent = String(p.backup_codes_remaining);
    await loadPasskeys();
  },
});

// POST /auth/totp/generate: {secret, otpauth_url, qr_code}. qr_code is a
// data:image/png;base64 URI (the policy allows img-src data:). The secret
// is for typing by hand, shown in groups of four. A new call replaces a
// pending enrollment; it expires unless confirmed within 15 minutes.
onClick(byId("enroll-start"), async () => {
  const e = await api("POST", "/auth/totp/generate");
  if (!e.qr_code.startsWith("data:image/png;base64,")) throw new Error("unexpected qr_code");
  byId("totp-qr").src = e.qr_code;
  byId("totp-secret").textContent = e.secret.match(/.{1,4}/g).join(" ");
  byId("enroll-start").hidden = true;
  byId("enroll-panel").hidden = false;
  byId("enroll-code").focus();
});

// POST /auth/totp/verify with the first code turns TOTP on, raises this
// session to aal2 (new cookie) and answers the ten backup codes, once.
onSubmit(byId("enroll-form"), async (data) => {
  const result = await api("POST", "/auth/totp/verify", { code: data.get("code") });
  byId("enroll-form").reset();
  byId("totp-secret").textContent = "";
  byId("totp-qr").removeAttribute("src");
  showCodes(result.backup_codes, "Two-factor authentication is on.");
});

// POST /auth/backup/regenerate {password}: a new set, the old one void.
// It asks for the password again (a wrong one is 401 invalid_credentials).
onSubmit(byId("regenerate-form"), async (data) => {
  const result = await api("POST", "/auth/backup/regenerate", { password: data.get("password") });
  byId("regenerate-form").reset();
  showCodes(result.backup_codes, "You have a new set of backup codes; the old ones no longer work.");
});

// POST /auth/totp/disable {code}: removes TOTP (204), and with it the
// backup codes and MFA unless a passkey remains.
onSubmit(byId("disable-form"), async (data) => {
  await api("POST", "/auth/totp/disable", { code: data.get("code") });
  byId("disable-form").reset();
  const p = await api("GET", "/auth/profile");
  go("two-factor", {
    status: p.mfa_enabled
      ? "The authenticator app is off; your passkeys keep two-factor authentication on."
      : "Two-factor authentication is off.",
  });
});
