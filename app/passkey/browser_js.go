//go:build js && wasm

package passkey

import (
	"errors"
	"fmt"
	"syscall/js"

	"sesame/app/promise"
)

// Supported reports whether the browser can create and use passkeys:
// PublicKeyCredential exists only in a secure context of a browser that
// has WebAuthn.
func Supported() bool {
	if js.Global().Get("PublicKeyCredential").Type() != js.TypeFunction {
		return false
	}
	creds := js.Global().Get("navigator").Get("credentials")
	return creds.Truthy() &&
		creds.Get("create").Type() == js.TypeFunction &&
		creds.Get("get").Type() == js.TypeFunction
}

// ConditionalAvailable reports whether the browser offers passkeys in the
// autofill of a field (PublicKeyCredential.isConditionalMediationAvailable).
// It blocks until the browser answers.
func ConditionalAvailable() bool {
	if !Supported() {
		return false
	}
	pkc := js.Global().Get("PublicKeyCredential")
	if pkc.Get("isConditionalMediationAvailable").Type() != js.TypeFunction {
		return false
	}
	v, err := await(pkc.Call("isConditionalMediationAvailable"))
	return err == nil && v.Truthy()
}

// Create registers a new passkey: options is the answer of
// passkeys/register/begin; the result is the body of register/finish.
func Create(options []byte) ([]byte, error) {
	if !Supported() {
		return nil, ErrUnsupported
	}
	pk, err := decodeOptions(options, creation)
	if err != nil {
		return nil, err
	}
	opts := js.Global().Get("Object").New()
	opts.Set("publicKey", toJS(pk))
	cred, err := ask("create", opts)
	if err != nil {
		return nil, err
	}
	if !cred.Truthy() {
		return nil, ErrCancelled
	}
	res := cred.Get("response")
	a := &attestation{
		ClientDataJSON:    bytesOf(res.Get("clientDataJSON")),
		AttestationObject: bytesOf(res.Get("attestationObject")),
	}
	if res.Get("getTransports").Type() == js.TypeFunction {
		ts := res.Call("getTransports")
		for i := 0; i < ts.Length(); i++ {
			a.Transports = append(a.Transports, ts.Index(i).String())
		}
	}
	return credentialOf(cred, a).encode()
}

// Get asks the browser for a passkey sign-in: options is the answer of
// session/passkey/begin; the result is the body of session/passkey/finish.
//
// With conditional, the request waits, without any dialog, until the user
// picks a passkey in the autofill of the field marked autocomplete="…
// webauthn". Closing stop aborts the request: Get then answers ErrAborted.
func Get(options []byte, conditional bool, stop <-chan struct{}) ([]byte, error) {
	if !Supported() {
		return nil, ErrUnsupported
	}
	pk, err := decodeOptions(options, request)
	if err != nil {
		return nil, err
	}
	opts := js.Global().Get("Object").New()
	opts.Set("publicKey", toJS(pk))
	if conditional {
		opts.Set("mediation", "conditional")
	}
	if stop != nil {
		select {
		case <-stop:
			return nil, ErrAborted
		default:
		}
		if ac := js.Global().Get("AbortController"); ac.Type() == js.TypeFunction {
			ctrl := ac.New()
			opts.Set("signal", ctrl.Get("signal"))
			done := make(chan struct{})
			defer close(done)
			go func() {
				select {
				case <-stop:
					ctrl.Call("abort")
				case <-done:
				}
			}()
		}
	}
	cred, err := ask("get", opts)
	if err != nil {
		return nil, err
	}
	if !cred.Truthy() {
		return nil, ErrCancelled
	}
	res := cred.Get("response")
	a := &assertion{
		ClientDataJSON:    bytesOf(res.Get("clientDataJSON")),
		AuthenticatorData: bytesOf(res.Get("authenticatorData")),
		Signature:         bytesOf(res.Get("signature")),
		UserHandle:        bytesOf(res.Get("userHandle")),
	}
	return credentialOf(cred, a).encode()
}

// credentialOf reads the members every PublicKeyCredential has.
func credentialOf(cred js.Value, response any) credential {
	c := credential{
		RawID:    bytesOf(cred.Get("rawId")),
		Response: response,
	}
	if id := cred.Get("id"); id.Type() == js.TypeString {
		c.ID = id.String()
	}
	if t := cred.Get("type"); t.Type() == js.TypeString {
		c.Type = t.String()
	}
	if a := cred.Get("authenticatorAttachment"); a.Type() == js.TypeString {
		c.AuthenticatorAttachment = a.String()
	}
	if cred.Get("getClientExtensionResults").Type() == js.TypeFunction {
		ext := cred.Call("getClientExtensionResults")
		if s := js.Global().Get("JSON").Call("stringify", ext); s.Type() == js.TypeString {
			c.ClientExtensionResults = []byte(s.String())
		}
	}
	return c
}

// toJS builds the JavaScript value of a decoded options tree: []byte
// becomes a Uint8Array (a BufferSource), objects and lists are copied.
func toJS(v any) js.Value {
	switch v := v.(type) {
	case map[string]any:
		o := js.Global().Get("Object").New()
		for k, x := range v {
			o.Set(k, toJS(x))
		}
		return o
	case []any:
		a := js.Global().Get("Array").New(len(v))
		for i, x := range v {
			a.SetIndex(i, toJS(x))
		}
		return a
	case []byte:
		u := js.Global().Get("Uint8Array").New(len(v))
		js.CopyBytesToJS(u, v)
		return u
	}
	return js.ValueOf(v)
}

// bytesOf copies an ArrayBuffer (or a view of one) into Go; anything else
// (null, undefined) gives nil.
func bytesOf(v js.Value) []byte {
	ab := js.Global().Get("ArrayBuffer")
	var u js.Value
	switch {
	case v.Type() != js.TypeObject:
		return nil
	case v.InstanceOf(ab):
		u = js.Global().Get("Uint8Array").New(v)
	case ab.Call("isView", v).Bool():
		u = js.Global().Get("Uint8Array").New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
	default:
		return nil
	}
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return b
}

// await blocks until the promise settles (app/promise); a rejection
// becomes one of the package's errors.
func await(p js.Value) (js.Value, error) {
	v, err := promise.Await(p)
	var r *promise.Rejection
	if errors.As(err, &r) {
		return v, errorOf(r.Name, r.Message)
	}
	return v, err
}

// ask calls navigator.credentials[method](opts) and awaits the promise. A
// synchronous throw (a browser that breaks the spec) becomes an error too.
func ask(method string, opts js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = js.Undefined(), fmt.Errorf("passkey: navigator.credentials.%s: %v", method, r)
		}
	}()
	return await(js.Global().Get("navigator").Get("credentials").Call(method, opts))
}
