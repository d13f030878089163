// Small DOM helpers shared by the screens: no framework, no innerHTML (text
// from the API is always set with textContent, so it can never become
// markup).

/** The element with this id; throws when the page lacks it (a bug). */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`no element #${id}`);
  return node;
}

/**
 * Makes an element: el("li", {className: "item"}, "text", child...).
 * Properties are assigned (className, hidden, type...); keys starting
 * with "data-" or "aria-" become attributes.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith("data-") || key.startsWith("aria-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

const errorBox = () => byId("error");
const statusBox = () => byId("status");

/** Shows an outcome in the polite live region. */
export function say(message) {
  statusBox().textContent = message;
}

/** Shows an error in the alert region (announced at once). */
export function sayError(message) {
  errorBox().textContent = message;
}

/** Empties both live regions. */
export function clearMessages() {
  errorBox().textContent = "";
  statusBox().textContent = "";
}

/**
 * Shows one screen (the section #screen-<name>) and hides the others, marks
 * its link in the navigation as the current page, then
 * moves the focus to its heading, so that keyboard and screen reader users
 * start at the top of the new screen, and names the tab after it.
 */
export function showScreen(name) {
  for (const section of document.querySelectorAll("section.screen")) {
    section.hidden = section.id !== `screen-${name}`;
  }
  // The navigation link of this screen says so (styled, and announced).
  for (const link of document.querySelectorAll(".bar nav a")) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading) {
    document.title = `${heading.textContent} · Infrastructure account`;
    heading.focus();
  }
}

/** Shows the navigation of a state: "in" (signed in), "out" or "none". */
export function setNav(state) {
  byId("nav-in").hidden = state !== "in";
  byId("nav-out").hidden = state !== "out";
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A time of the API (RFC 3339) for people, in their locale and zone. */
export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** A number of seconds for people: "40 seconds", "9 minutes", "2 hours". */
export function formatDuration(seconds) {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

/** The message of an API error as a sentence: capitalized, with a stop. */
export function sentence(message) {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
