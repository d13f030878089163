// The entry point of the reference web app. Each screen module registers
// its routes and wires its forms when imported; then the router shows the
// screen of the URL fragment.
//
//   api.js               fetch of the REST API, errors as ApiError
//   ui.js                DOM helpers, the live regions, the screens
//   router.js            hash routing, the error policy, busy forms
//   screens/signin.js    login, register, second factor, forgot, logout
//   screens/account.js   profile, email verification, password change
//   webauthn.js          passkeys: the API's JSON <-> navigator.credentials
//   screens/signin.js    (also: a passkey as second factor or passwordless)
//   screens/twofactor.js TOTP enrollment, new backup codes, TOTP off
//   screens/passkeys.js  the passkeys of the two-factor screen
//   screens/backupcodes.js the backup codes, shown once
//   screens/sessions.js  sessions and activity

import "./screens/signin.js";
import "./screens/account.js";
import "./screens/twofactor.js";
import "./screens/sessions.js";
import { start } from "./router.js";
import { passkeysSupported } from "./webauthn.js";

// Without WebAuthn in this browser, no button offers a passkey (the list
// still shows, and deleting works).
if (!passkeysSupported) {
  for (const node of document.querySelectorAll("[data-passkey]")) node.hidden = true;
}
start();
