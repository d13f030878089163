// Passkeys (WebAuthn) in the browser: the bridge between the API's JSON
// and navigator.credentials.
//
// The API answers the options of a ceremony as JSON, {publicKey: {...}},
// with every binary value (challenge, user id, credential ids) in
// base64url; navigator.credentials.create and get want those as
// ArrayBuffers. What they return, a PublicKeyCredential, holds
// ArrayBuffers too, and the API wants it back as JSON in base64url (the
// shape of the WebAuthn Level 3 toJSON(), which go-webauthn parses).
// Written out here rather than with toJSON() and parse...FromJSON(), which
// not every browser has yet.

/** Whether this browser has WebAuthn at all (else the passkey buttons hide). */
export const passkeysSupported = typeof window.PublicKeyCredential !== "undefined";

/**
 * A ceremony that the browser or the user ended: the message says so, for
 * people. The router shows it like an API error.
 */
export class PasskeyError extends Error {}

/** base64url (RFC 4648 §5, padding optional) to an ArrayBuffer. */
export function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
}

/** An ArrayBuffer (or a view of one) to base64url, without padding. */
export function toBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A list of credential descriptors {type, id, transports?}, ids decoded. */
function descriptors(list) {
  return (list || []).map((c) => ({ ...c, id: fromBase64url(c.id) }));
}

/**
 * Registration: the options of register/begin to navigator.credentials
 * .create, and the new credential back as the JSON of register/finish.
 */
export async function createPasskey(options) {
  const o = options.publicKey;
  const publicKey = {
    ...o,
    challenge: fromBase64url(o.challenge),
    user: { ...o.user, id: fromBase64url(o.user.id) },
    excludeCredentials: descriptors(o.excludeCredentials),
  };
  const cred = await ceremony(() => navigator.credentials.create({ publicKey }));
  const r = cred.response;
  return {
    ...common(cred),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      // Where the passkey can be used again (internal, hybrid...).
      transports: r.getTransports?.() ?? [],
    },
  };
}

/**
 * Sign-in: the options of login/begin to navigator.credentials.get, and
 * the assertion back as the JSON of login/finish. With allowCredentials
 * (a second factor) the browser offers the user's passkeys; without it
 * (passwordless) any passkey of this site that the authenticator holds.
 */
export async function getPasskey(options) {
  const o = options.publicKey;
  const publicKey = {
    ...o,
    challenge: fromBase64url(o.challenge),
    allowCredentials: descriptors(o.allowCredentials),
  };
  const cred = await ceremony(() => navigator.credentials.get({ publicKey }));
  const r = cred.response;
  return {
    ...common(cred),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      // The account's id: what a passwordless sign-in finds the user by.
      ...(r.userHandle ? { userHandle: toBase64url(r.userHandle) } : {}),
    },
  };
}

/** The members of both kinds of PublicKeyCredential JSON. */
function common(cred) {
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
  };
}

/**
 * Runs a browser ceremony. The browser rejects with a DOMException when
 * the user cancels, the time runs out, the authenticator already holds a
 * passkey of this account, or the page's origin is not the service's
 * relying party: each becomes a PasskeyError saying so.
 */
async function ceremony(call) {
  try {
    const cred = await call();
    if (!cred) throw new PasskeyError("No passkey was used.");
    return cred;
  } catch (err) {
    if (!(err instanceof DOMException)) throw err;
    switch (err.name) {
      case "NotAllowedError":
      case "AbortError":
        throw new PasskeyError("No passkey was used: the request was cancelled or timed out.");
      case "InvalidStateError":
        throw new PasskeyError("This authenticator already holds a passkey of your account.");
      case "SecurityError":
        throw new PasskeyError("Passkeys do not work on this address: open the app at the service's own address.");
      default:
        throw new PasskeyError(`The passkey did not work (${err.name}).`);
    }
  }
}
