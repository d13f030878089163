// The REST API of the auth service, on this page's own origin.
//
// The session lives in an HttpOnly cookie that the server sets and clears:
// this code never sees the token. Every request is same-origin with
// credentials "same-origin", so the browser sends the cookie; the server
// refuses cross-site writes (Sec-Fetch-Site, Origin) and any body that is
// not application/json, which is what this module sends.

/** An error answer of the API: {name, id, message} plus the HTTP status. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: the service could not be reached)
   * @param {{name?: string, id?: string, message?: string}} body
   * @param {number|null} retryAfter seconds, from Retry-After (429)
   */
  constructor(status, body, retryAfter) {
    super(body.message || `The request failed (${status}).`);
    this.status = status;
    /** The error's name in the API, e.g. invalid_credentials, mfa_required. */
    this.code = body.name || "unknown";
    /** The request id: the same in the service's logs, for support. */
    this.id = body.id || "";
    this.retryAfter = retryAfter;
  }
}

/**
 * Calls the API and returns the decoded JSON answer (null for 204).
 * Throws ApiError for any answer that is not 2xx, and for a network failure.
 *
 * @param {"GET"|"POST"|"DELETE"} method
 * @param {string} path e.g. "/auth/login"
 * @param {object} [body] sent as JSON
 */
export async function api(method, path, body) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { name: "network", message: "The service cannot be reached. Check your connection and try again." }, null);
  }
  const json = await readJSON(res);
  if (res.ok) return json;
  const retry = Number.parseInt(res.headers.get("Retry-After") || "", 10);
  throw new ApiError(res.status, json || {}, Number.isFinite(retry) ? retry : null);
}

/** The JSON body of res, or null when it has none. */
async function readJSON(res) {
  if (!(res.headers.get("Content-Type") || "").startsWith("application/json")) return null;
  try {
    return await res.json();
  } catch {
    return null;
  }
}
