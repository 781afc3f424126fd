// Package httpapi is the HTTP side of polling carrier tracking APIs
// (AfterShip, EasyPost, Shippo, ocean carriers): a Client per carrier that
// authenticates, retries with backoff, rate-limits itself, stops calling a
// carrier that is down (circuit breaker) and walks paginated answers; and a
// Schedule that decides when each tracking number is polled next.
//
// A Client is safe for concurrent use. Secrets given in Auth never appear in
// errors, logs or fmt output: URLs in errors carry "***" in place of a key.
package httpapi
