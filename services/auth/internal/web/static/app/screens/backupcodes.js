// The backup codes, shown once, right after they are made (a TOTP
// enrollment, a new set, a first passkey): to copy or download.

import { go, onClick } from "../router.js";
import { byId, el, say, sayError, setNav, showScreen } from "../ui.js";

/** The codes on display; forgotten when the user leaves the screen. */
let codes = [];

/**
 * Shows the backup codes screen. It is not routed (no fragment reaches
 * it, a reload does not show the codes again) and has no navigation: the
 * user leaves it with "I have saved them".
 */
export function showCodes(list, status) {
  codes = list;
  byId("backup-codes").replaceChildren(...codes.map((c) => el("li", {}, el("code", {}, c))));
  setNav("none");
  showScreen("backup-codes");
  say(`${status} Save these ${codes.length} backup codes now.`);
}

onClick(byId("codes-done"), () => {
  codes = [];
  byId("backup-codes").replaceChildren();
  go("two-factor");
});

/** The codes as a text file's content. */
function codesText() {
  return `Backup codes of your Infrastructure account (${location.host}).\n` +
    "Each code works once, in place of a code from your authenticator app.\n\n" +
    codes.join("\n") + "\n";
}

// navigator.clipboard needs a secure context (HTTPS or localhost) and the
// user's gesture; where it fails, the user can still select the codes.
onClick(byId("codes-copy"), async () => {
  try {
    await navigator.clipboard.writeText(codes.join("\n"));
    say("The codes are copied to your clipboard.");
  } catch {
    sayError("Copying is not allowed here: select the codes and copy them, or download them.");
  }
});

// A Blob as a text file, through a temporary link with a download name.
onClick(byId("codes-download"), () => {
  const url = URL.createObjectURL(new Blob([codesText()], { type: "text/plain" }));
  const link = el("a", { href: url, download: "backup-codes.txt" });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  say("The codes are downloaded as backup-codes.txt.");
});
