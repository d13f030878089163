// The account: the profile (with the email verification) and the password
// change.

import { api } from "../api.js";
import { onClick, onSubmit, route } from "../router.js";
import { byId, formatTime, say, sayError } from "../ui.js";

// GET /auth/profile: {email, email_verified, mfa_enabled,
// backup_codes_remaining, created_at}. It needs a complete session: 401
// without one, 403 mfa_required before the second factor (the router
// handles both).
route("profile", {
  nav: "in",
  async enter() {
    const p = await api("GET", "/auth/profile");
    byId("profile-email").textContent = p.email;
    byId("profile-verified").textContent = p.email_verified ? "Yes" : "Not yet: open the link we mailed you.";
    byId("resend-verification").hidden = p.email_verified;
    byId("profile-mfa").textContent = p.mfa_enabled ? "On" : "Off";
    byId("profile-backup").textContent = p.mfa_enabled ? String(p.backup_codes_remaining) : "None (two-factor is off)";
    byId("profile-created").textContent = formatTime(p.created_at);
  },
});

// POST /auth/email/verify/resend mails a new link (202); 409
// email_already_verified and 429 come through the router's policy.
onClick(byId("resend-verification"), async () => {
  await api("POST", "/auth/email/verify/resend");
  say(`A new link is on its way to ${byId("profile-email").textContent}.`);
});

route("password", { nav: "in" });

// POST /auth/password/change: a wrong current password is 401
// invalid_credentials (and counts as a failed login); a weak new one 400
// weak_password with the reason. On success the server sets a new session
// cookie for this browser and signs out every other session.
onSubmit(byId("password-form"), async (data) => {
  if (data.get("password") !== data.get("confirm")) {
    sayError("The two new passwords differ.");
    return;
  }
  await api("POST", "/auth/password/change", {
    current_password: data.get("current"),
    new_password: data.get("password"),
  });
  byId("password-form").reset();
  say("Your password is changed. Every other session of your account is signed out.");
});
