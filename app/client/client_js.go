//go:build js && wasm

package client

import (
	"fmt"
	"syscall/js"

	"sesame/app/promise"
)

// timeoutMS bounds a request: past it the fetch is aborted and the call
// answers ErrOffline, rather than leaving a screen waiting forever on a
// dead network.
const timeoutMS = 30000

var defaultTransport Transport = fetchTransport{}

// fetchTransport sends requests with the browser's fetch.
type fetchTransport struct{}

func (fetchTransport) RoundTrip(r Request) (Response, error) {
	global := js.Global()
	fetch := global.Get("fetch")
	if fetch.Type() != js.TypeFunction {
		return Response{}, fmt.Errorf("%w: no fetch", ErrOffline)
	}
	headers := global.Get("Headers").New()
	for k, v := range r.Header {
		headers.Call("set", k, v)
	}
	opts := global.Get("Object").New()
	opts.Set("method", r.Method)
	opts.Set("headers", headers)
	opts.Set("credentials", "same-origin")
	opts.Set("cache", "no-store")
	opts.Set("referrerPolicy", "no-referrer")
	if r.Body != nil {
		opts.Set("body", string(r.Body))
	}
	if as := global.Get("AbortSignal"); as.Truthy() && as.Get("timeout").Type() == js.TypeFunction {
		opts.Set("signal", as.Call("timeout", timeoutMS))
	}

	res, err := promise.Await(fetch.Invoke(r.URL, opts))
	if err != nil {
		return Response{}, fmt.Errorf("%w: %s %s: %v", ErrOffline, r.Method, r.URL, err)
	}
	out := Response{Status: res.Get("status").Int()}
	if ct := res.Get("headers").Call("get", "Content-Type"); ct.Type() == js.TypeString {
		out.ContentType = ct.String()
	}
	text, err := promise.Await(res.Call("text"))
	if err != nil {
		// The connection broke while the body was arriving.
		return Response{}, fmt.Errorf("%w: reading %s %s: %v", ErrOffline, r.Method, r.URL, err)
	}
	out.Body = []byte(text.String())
	return out, nil
}
