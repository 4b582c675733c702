// Package api holds the request and response bodies of the HTTP API under
// /api/v1, shared by the server and the Wasm client so both spell every
// field the same way, and the stable machine codes of its errors.
package api

import (
	"time"

	"sesame/shared/policy"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Problem is an RFC 9457 problem detail (application/problem+json).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	// RetryAt is when a 429 stops (RFC 3339).
	RetryAt *time.Time `json:"retry_at,omitempty"`
	// Rules is the checklist of a 422 caused by the password policy.
	Rules []policy.RuleResult `json:"rules,omitempty"`
	// AttemptsLeft is the number of tries a code still has (422).
	AttemptsLeft *int `json:"attempts_left,omitempty"`
	// Fields names the invalid request fields of a 400 or 422.
	Fields []string `json:"fields,omitempty"`
}

// Machine codes of problems. They never change once published.
const (
	CodeBadRequest        = "bad_request"
	CodeInvalidJSON       = "invalid_json"
	CodeBodyTooLarge      = "body_too_large"
	CodeUnsupportedMedia  = "unsupported_media_type"
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeUnknownPortal     = "unknown_portal"
	CodeInvalidFields     = "invalid_fields"
	CodeCaptchaRequired   = "captcha_required"
	CodeCaptchaInvalid    = "captcha_invalid"
	CodeRateLimited       = "rate_limited"
	CodeNoValidatedEmail  = "no_validated_email"
	CodeLinkExpired       = "link_expired"
	CodeLinkUsed          = "link_used"
	CodeLinkSuperseded    = "link_superseded"
	CodeLinkInvalid       = "link_invalid"
	CodePasswordPolicy    = "password_policy"
	CodeCodeInvalid       = "code_invalid"
	CodeCodeDead          = "code_dead"
	CodeFlowInvalid       = "flow_invalid"
	CodeFlowForeign       = "flow_foreign_browser"
	CodeBadCredentials    = "bad_credentials"
	CodeUnauthenticated   = "unauthenticated"
	CodeForbidden         = "forbidden"
	CodeCrossOrigin       = "cross_origin"
	CodeUnavailable       = "unavailable"
	CodeInternal          = "internal"
	CodeCurrentPassword   = "current_password_invalid"
	CodeChannelNotAllowed = "channel_not_supported"
	// Passkeys.
	CodePasskeyFailed  = "passkey_failed"            // 401: the assertion or attestation does not verify (one answer for every cause)
	CodeCeremonyGone   = "ceremony_expired"          // 410: no ceremony for this browser, or it expired or was used
	CodePasskeyUnknown = "passkey_not_found"         // 404: no such passkey on this account
	CodeReauthRequired = "reauthentication_required" // 403: deleting a passkey needs the password or a recent sign-in with another passkey
)

// PasswordCheck is the body of POST /portals/{portal}/password-check.
type PasswordCheck struct {
	Password string         `json:"password"`
	Confirm  string         `json:"confirm"`
	Current  *string        `json:"current,omitempty"`
	Context  policy.Context `json:"context"`
}

// RecoveryRequest is the body of POST /portals/{portal}/recovery: the
// portal's proof fields, and the captcha when the portal asks one.
type RecoveryRequest struct {
	NIR           string `json:"nir,omitempty"`
	Birthdate     string `json:"birthdate,omitempty"`
	Email         string `json:"email,omitempty"`
	MemberNumber  string `json:"member_number,omitempty"`
	CaptchaID     string `json:"captcha_id,omitempty"`
	CaptchaAnswer string `json:"captcha_answer,omitempty"`
	Lang          string `json:"lang,omitempty"`
}

// RecoveryAccepted is the 202 answer of a recovery request. Which fields are
// set depends on the portal: none (employeur), MaskedEmail (assure), FlowID
// and MaskedEmail (adherent).
type RecoveryAccepted struct {
	Status      string `json:"status"` // "accepted"
	MaskedEmail string `json:"masked_email,omitempty"`
	FlowID      string `json:"flow_id,omitempty"`
}

// LinkCheck is the body of POST /recovery/link.
type LinkCheck struct {
	Token string `json:"token"`
}

// LinkStatus answers a usable link.
type LinkStatus struct {
	ExpiresAt time.Time `json:"expires_at"`
}

// NewPassword is the body of POST /recovery/link/password.
type NewPassword struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Confirm  string `json:"confirm"`
}

// Done answers a successful state change.
type Done struct {
	Status string `json:"status"`
}

// CodeSubmit is the body of POST /recovery/flows/{flow_id}/code.
type CodeSubmit struct {
	Code string `json:"code"`
}

// CodeAccepted answers a right code with a token usable as a link token.
type CodeAccepted struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SignIn is the body of POST /portals/{portal}/session.
type SignIn struct {
	Identifier    string `json:"identifier"`
	Password      string `json:"password"`
	CaptchaID     string `json:"captcha_id,omitempty"`
	CaptchaAnswer string `json:"captcha_answer,omitempty"`
}

// Session is who is signed in.
type Session struct {
	Portal      string `json:"portal"`
	Identifier  string `json:"identifier"`
	EmailMasked string `json:"email_masked"`
}

// ChangePassword is the body of POST /portals/{portal}/account/password.
type ChangePassword struct {
	Code     string `json:"code"`
	Current  string `json:"current"`
	Password string `json:"password"`
	Confirm  string `json:"confirm"`
}

// ChangeCodeSent is the 202 answer of POST
// /portals/{portal}/account/password/code: the code left for the masked
// address and works until ExpiresAt.
type ChangeCodeSent struct {
	Status      string    `json:"status"` // "accepted"
	MaskedEmail string    `json:"masked_email"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Account is one account of POST /admin/accounts.
type Account struct {
	Portal        string  `json:"portal"`
	NIR           string  `json:"nir,omitempty"`
	Birthdate     string  `json:"birthdate,omitempty"`
	MemberNumber  string  `json:"member_number,omitempty"`
	Email         string  `json:"email,omitempty"`
	EmailVerified bool    `json:"email_verified"`
	Password      *string `json:"password,omitempty"`
	Phone         string  `json:"phone,omitempty"`
}

// Created answers POST /admin/accounts.
type Created struct {
	Created int `json:"created"`
}

// CaptchaChallenge answers POST /captcha.
type CaptchaChallenge struct {
	ID        string    `json:"id"`
	ImageURL  string    `json:"image_url"`
	AudioURL  string    `json:"audio_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PasskeyBegin is the optional body of POST
// /portals/{portal}/passkeys/register/begin: the name the member gives the
// passkey ("Téléphone de Thomas"); empty means a name chosen by the server.
// Passkey sign-in begin takes {}.
type PasskeyBegin struct {
	Name string `json:"name,omitempty"`
}

// Passkey is one registered passkey as the account page lists it.
// ID is the credential id, base64url without padding.
type Passkey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Passkeys answers GET /portals/{portal}/passkeys.
type Passkeys struct {
	Passkeys []Passkey `json:"passkeys"`
}

// PasskeyDelete is the body of DELETE /portals/{portal}/passkeys/{id}: the
// account's password, unless the session was opened with another passkey
// less than PasskeyReauthWindow ago.
type PasskeyDelete struct {
	Password string `json:"password,omitempty"`
}

// PasskeyReauthWindow is how long a passkey sign-in counts as proof of
// presence for deleting another passkey without the password.
const PasskeyReauthWindow = 10 * time.Minute
