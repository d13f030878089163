// Signing in and out: register, log in (with a password, or a passkey
// alone), the second factor (a code or a passkey), a forgotten password,
// log out.

import { api, ApiError } from "../api.js";
import { go, onClick, onSubmit, route } from "../router.js";
import { byId, sayError } from "../ui.js";
import { getPasskey } from "../webauthn.js";

route("login", { nav: "out" });
route("register", { nav: "out" });
route("forgot", { nav: "out" });
// Between the password and the second factor the session is incomplete:
// no navigation, only the codes and a way out.
route("second-factor", { nav: "none" });

// POST /auth/login answers 200 with the session cookie; mfa_required says
// that the session is aal1 and needs the second factor before anything
// else (the API answers 403 mfa_required until then).
onSubmit(byId("login-form"), async (data) => {
  const result = await api("POST", "/auth/login", {
    email: data.get("email"),
    password: data.get("password"),
  });
  byId("login-form").reset();
  if (result.mfa_required) {
    go("second-factor");
  } else {
    go("profile", { status: "You are signed in." });
  }
});

// POST /auth/register answers 201 with a session cookie (aal1), unless the
// service requires a verified address first (EMAIL_VERIFICATION_REQUIRED):
// then there is no session yet (the cookie is HttpOnly, so the page asks
// the profile whether it is signed in), and the user logs in once the
// mailed link is followed.
onSubmit(byId("register-form"), async (data) => {
  if (data.get("password") !== data.get("confirm")) {
    sayError("The two passwords differ.");
    return;
  }
  await api("POST", "/auth/register", { email: data.get("email"), password: data.get("password") });
  byId("register-form").reset();
  try {
    await api("GET", "/auth/profile");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      go("login", { status: "Your account is created. Open the link we mailed you to verify your address, then log in." });
      return;
    }
    throw err;
  }
  go("profile", { status: "Your account is ready. We mailed you a link to verify your address." });
});

// A TOTP code raises the session to aal2 (the server replaces the cookie).
onSubmit(byId("totp-form"), async (data) => {
  await api("POST", "/auth/totp/verify", { code: data.get("code") });
  byId("totp-form").reset();
  go("profile", { status: "You are signed in." });
});

// A backup code does the same, once; the answer says how many are left.
onSubmit(byId("backup-form"), async (data) => {
  const result = await api("POST", "/auth/backup/verify", { code: data.get("code") });
  byId("backup-form").reset();
  byId("backup-details").open = false;
  const left = result.remaining;
  const advice = left <= 3 ? " Make a new set on the Two-factor screen." : "";
  go("profile", { status: `You are signed in with a backup code; ${left} left.${advice}` });
});

// A passkey as the second factor: login/begin with this aal1 session (the
// cookie) answers options that list the user's passkeys; the browser asks
// the authenticator to sign the challenge, and login/finish raises the
// session to aal2 (new cookie). A failure counts in the second factor's
// budget, as a wrong code does.
onClick(byId("passkey-second-factor"), async () => {
  await signInWithPasskey();
  go("profile", { status: "You are signed in." });
});

// Passwordless: login/begin without a session asks for any passkey of
// this site, with user verification (the fingerprint or PIN is the second
// factor); login/finish opens a new aal2 session and sets its cookie.
onClick(byId("passkey-login"), async () => {
  await signInWithPasskey();
  byId("login-form").reset();
  go("profile", { status: "You are signed in with your passkey." });
});

/** The sign-in ceremony: begin, the browser, finish. */
async function signInWithPasskey() {
  const { options } = await api("POST", "/auth/passkeys/login/begin");
  const credential = await getPasskey(options);
  await api("POST", "/auth/passkeys/login/finish", { credential });
}

// The answer is the same whether or not an account has the address (so
// that it tells nobody which addresses have accounts). The mailed link
// opens /reset-password, the page of the emailed links.
onSubmit(byId("forgot-form"), async (data) => {
  const email = data.get("email");
  await api("POST", "/auth/password/forgot", { email });
  byId("forgot-form").reset();
  go("login", {
    status: `If ${email} has an account, a link to choose a new password is on its way. It works once, for 30 minutes.`,
  });
});

// POST /auth/logout revokes the session and clears the cookie. A session
// that already ended answers 401, which the router also takes to login.
async function logout() {
  await api("POST", "/auth/logout");
  go("login", { status: "You are signed out." });
}
onClick(byId("logout"), logout);
onClick(byId("second-factor-cancel"), logout);
