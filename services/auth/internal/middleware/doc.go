// Package middleware holds the HTTP rules that the Goa design cannot express:
// the session cookie (its name and Secure flag depend on configuration, and
// it is also accepted as a bearer token), the Origin check for
// cookie-authenticated writes, the body limit, strict JSON decoding, the
// error bodies for errors Goa raises itself, and security headers. Each is
// small, configured once, and tested beside it.
package middleware
