// The entry point of the reference web app. Each screen module registers
// its routes and wires its forms when imported; then the router shows the
// screen of the URL fragment.
//
//   api.js               fetch of the REST API, errors as ApiError
//   ui.js                DOM helpers, the live regions, the screens
//   router.js            hash routing, the error policy, busy forms
//   screens/signin.js    login, register, second factor, forgot, logout
//   screens/account.js   profile, email verification, password change
//   screens/twofactor.js TOTP enrollment, backup codes, TOTP off
//   screens/sessions.js  sessions and activity

import "./screens/signin.js";
import "./screens/account.js";
import "./screens/twofactor.js";
import "./screens/sessions.js";
import { start } from "./router.js";

start();
