// Package mail renders the e-mails of Sésame: reset links, activation and
// confirmation codes, and the notifications sent after a password or
// passkey change. [Renderer] implements outbox.Renderer: the outbox calls
// it at delivery time with the job's secret (token or code) opened.
//
// Every mail has a plain-text part, where each link stands on its own
// line, and an HTML part (every value escaped as html/template would,
// inline styles, no external image, a lang attribute, a real <a> button whose
// link is also shown as text). French is the default language, English is
// chosen with job.Lang "en".
//
// The French wording follows the seeds: seed 000 for the employeur portal,
// seed 001 for the assure portal (ameli), seed 003 for the confirmation code
// of a password change, seed 004 for the adherent's activation code.
//
// Reset links are built from the configured public base URL, never from a
// request, and carry the token in the URL fragment:
//
//	<publicURL>/<portal>/mot-de-passe/reinitialisation#<token>
//
// Job kinds and the job.Data keys they read ("portal" always):
//
//	reset_link        the token is job.Secret; optional "ttl_minutes"
//	                  (default: the portal's LinkTTL)
//	reset_code        the code is job.Secret; optional "ttl_minutes"
//	                  (default: the portal's CodeTTL)
//	change_code       the code is job.Secret; "ttl_minutes" (default CodeTTL)
//	password_changed  "changed_at" (RFC 3339), optional "how" ("reset" or
//	                  "change") and "passkeys" (names, one per line)
//	passkey_added     "name", "at" (RFC 3339)
//	passkey_removed   "name", "at" (RFC 3339)
//
// A missing date falls back to job.Created (the job is enqueued in the
// transaction that made the change). Dates are shown in Paris time.
//
// Errors never contain the secret or the recipient, and are permanent
// (errors.Is(err, outbox.ErrPermanent)): retrying cannot fix them.
package mail
