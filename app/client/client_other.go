//go:build !(js && wasm)

package client

// defaultTransport outside the browser: prerendering never calls the API,
// and tests give their own Transport.
var defaultTransport Transport = noTransport{}

type noTransport struct{}

func (noTransport) RoundTrip(Request) (Response, error) { return Response{}, ErrNoTransport }
