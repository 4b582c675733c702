// Package passkey is the browser's half of passkeys (WebAuthn): it turns the
// server's options (go-webauthn's JSON, binary members as base64url) into
// what navigator.credentials.create and get want (ArrayBuffers), runs the
// ceremony, and turns the browser's PublicKeyCredential back into the JSON
// the server's finish calls take (binary members as base64url again).
//
// Everything the browser does not decide is pure Go and tested natively:
// which members are binary, the base64url coding, the credential's JSON.
// The calls into the browser live in browser_js.go; outside the browser
// (prerendering, tests) Supported is false and the ceremonies answer
// ErrUnsupported.
//
// Create and Get block until the browser answers: call them from ctx.Async,
// never on go-app's UI goroutine.
package passkey

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors a ceremony ends with; screens branch on them.
var (
	// ErrUnsupported: the browser has no WebAuthn (or the page is not a
	// secure context).
	ErrUnsupported = errors.New("passkey: the browser does not support passkeys")
	// ErrCancelled: the user closed the browser's dialog, or let it time
	// out (the browser does not say which: NotAllowedError).
	ErrCancelled = errors.New("passkey: cancelled or timed out")
	// ErrAborted: the caller stopped the request (Get's stop channel).
	ErrAborted = errors.New("passkey: aborted")
	// ErrExists: the authenticator already holds a passkey of this account
	// (one of the options' excludeCredentials).
	ErrExists = errors.New("passkey: the authenticator already has a passkey of this account")
	// ErrOptions: the server's options cannot be used.
	ErrOptions = errors.New("passkey: unusable options")
)

// Bytes is binary data as WebAuthn's JSON spells it: base64url without
// padding. Decoding also takes padded and standard base64, as some servers
// send them.
type Bytes []byte

// MarshalJSON writes b as a base64url string.
func (b Bytes) MarshalJSON() ([]byte, error) {
	return json.Marshal(base64.RawURLEncoding.EncodeToString(b))
}

// UnmarshalJSON reads a base64url (or base64) string.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := decodeBase64URL(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// decodeBase64URL decodes base64url with or without padding, and standard
// base64 too.
func decodeBase64URL(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return base64.RawURLEncoding.DecodeString(s)
}

// ceremony says which options are being read: their binary members differ.
type ceremony int

const (
	creation ceremony = iota // navigator.credentials.create: registering a passkey
	request                  // navigator.credentials.get: signing in
)

// decodeOptions reads a begin call's answer ({"publicKey": {…}}) and
// returns the publicKey member as a tree of maps, slices and scalars, with
// the binary members decoded to []byte: challenge, and user.id and
// excludeCredentials[].id (creation) or allowCredentials[].id (request).
// Null members are dropped: the browser rejects null where it expects a
// list or a dictionary.
func decodeOptions(raw []byte, c ceremony) (map[string]any, error) {
	var o struct {
		PublicKey map[string]any `json:"publicKey"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOptions, err)
	}
	if o.PublicKey == nil {
		return nil, fmt.Errorf("%w: no publicKey member", ErrOptions)
	}
	pk := dropNulls(o.PublicKey).(map[string]any)
	if err := toBytes(pk, "challenge", true); err != nil {
		return nil, err
	}
	list := "allowCredentials"
	if c == creation {
		user, ok := pk["user"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: no user", ErrOptions)
		}
		if err := toBytes(user, "id", true); err != nil {
			return nil, err
		}
		list = "excludeCredentials"
	}
	if creds, ok := pk[list].([]any); ok {
		for i, cred := range creds {
			m, ok := cred.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: %s[%d] is not an object", ErrOptions, list, i)
			}
			if err := toBytes(m, "id", true); err != nil {
				return nil, err
			}
		}
	}
	return pk, nil
}

// toBytes replaces m[key], a base64url string, by its bytes.
func toBytes(m map[string]any, key string, required bool) error {
	v, ok := m[key]
	if !ok {
		if required {
			return fmt.Errorf("%w: no %s", ErrOptions, key)
		}
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%w: %s is not a string", ErrOptions, key)
	}
	b, err := decodeBase64URL(s)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrOptions, key, err)
	}
	m[key] = b
	return nil
}

// dropNulls removes the null members of objects, at every depth.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == nil {
				delete(v, k)
				continue
			}
			v[k] = dropNulls(x)
		}
	case []any:
		for i, x := range v {
			v[i] = dropNulls(x)
		}
	}
	return v
}

// credential is a PublicKeyCredential as the server's finish calls take
// it (the shape of the browser's own toJSON()).
type credential struct {
	ID                      string          `json:"id"`
	RawID                   Bytes           `json:"rawId"`
	Type                    string          `json:"type"`
	Response                any             `json:"response"` // *attestation or *assertion
	AuthenticatorAttachment string          `json:"authenticatorAttachment,omitempty"`
	ClientExtensionResults  json.RawMessage `json:"clientExtensionResults"`
}

// attestation is an AuthenticatorAttestationResponse: a new passkey.
type attestation struct {
	ClientDataJSON    Bytes    `json:"clientDataJSON"`
	AttestationObject Bytes    `json:"attestationObject"`
	Transports        []string `json:"transports,omitempty"`
}

// assertion is an AuthenticatorAssertionResponse: a signature by a passkey.
// UserHandle is the account's WebAuthn id, which a discoverable sign-in
// needs; it is absent when the authenticator gives none.
type assertion struct {
	ClientDataJSON    Bytes `json:"clientDataJSON"`
	AuthenticatorData Bytes `json:"authenticatorData"`
	Signature         Bytes `json:"signature"`
	UserHandle        Bytes `json:"userHandle,omitempty"`
}

// encode is the credential's JSON. The id is the browser's (base64url of
// rawId); when missing it is derived from rawId.
func (c credential) encode() ([]byte, error) {
	if c.Type == "" {
		c.Type = "public-key"
	}
	if c.ID == "" {
		c.ID = base64.RawURLEncoding.EncodeToString(c.RawID)
	}
	if len(c.ClientExtensionResults) == 0 || !json.Valid(c.ClientExtensionResults) {
		c.ClientExtensionResults = json.RawMessage("{}")
	}
	return json.Marshal(c)
}

// errorOf maps a rejected ceremony's DOMException name to the package's
// errors.
func errorOf(name, msg string) error {
	switch name {
	case "AbortError":
		return ErrAborted
	case "NotAllowedError":
		return ErrCancelled
	case "InvalidStateError":
		return ErrExists
	case "NotSupportedError":
		return ErrUnsupported
	}
	if name == "" {
		name = "Error"
	}
	return fmt.Errorf("passkey: %s: %s", name, msg)
}
