// The pages of the emailed links. The token comes in the URL fragment
// (#token=...), which the browser never sends to a server; it is taken
// out of the address bar at once and posted in a JSON body.
const params = new URLSearchParams(location.hash.slice(1));
const token = params.get("token") || "";
history.replaceState(null, "", location.pathname);

const page = document.body.dataset.page;
const form = document.getElementById("form");
const status = document.getElementById("status");
const submit = document.getElementById("submit");

function say(message, error) {
  status.textContent = message;
  status.classList.toggle("error", Boolean(error));
}

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (res.ok) return null;
  try {
    const err = await res.json();
    return err.message || "The request failed (" + res.status + ").";
  } catch {
    return "The request failed (" + res.status + ").";
  }
}

if (!token) {
  say("This link has no token: open the link from the message again, or ask for a new one.", true);
  submit.disabled = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  let body;
  let path;
  let done;
  if (page === "reset-password") {
    const password = document.getElementById("password").value;
    if (password !== document.getElementById("confirm").value) {
      say("The two passwords differ.", true);
      return;
    }
    path = "/auth/password/reset";
    body = { token, new_password: password };
    done = "Your password is set, and every session of the account is signed out. Sign in with the new password (with your second factor, if it is on).";
  } else {
    path = "/auth/email/verify";
    body = { token };
    done = "Your email address is verified. You may close this page.";
  }
  submit.disabled = true;
  say("Working…");
  const error = await post(path, body);
  if (error) {
    say(error, true);
    submit.disabled = false;
    return;
  }
  form.hidden = true;
  say(done);
});
