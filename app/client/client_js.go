//go:build js && wasm

package client

import (
	"errors"
	"fmt"
	"syscall/js"
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

	res, err := await(fetch.Invoke(r.URL, opts))
	if err != nil {
		return Response{}, fmt.Errorf("%w: %s %s: %v", ErrOffline, r.Method, r.URL, err)
	}
	out := Response{Status: res.Get("status").Int()}
	if ct := res.Get("headers").Call("get", "Content-Type"); ct.Type() == js.TypeString {
		out.ContentType = ct.String()
	}
	text, err := await(res.Call("text"))
	if err != nil {
		// The connection broke while the body was arriving.
		return Response{}, fmt.Errorf("%w: reading %s %s: %v", ErrOffline, r.Method, r.URL, err)
	}
	out.Body = []byte(text.String())
	return out, nil
}

// await blocks until the promise settles. It must not run on the goroutine
// that serves JavaScript callbacks (go-app's UI goroutine): the promise's
// callbacks could never run.
func await(promise js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- settled{v: v}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "rejected"
		if len(args) > 0 {
			if s := args[0].Call("toString"); s.Type() == js.TypeString {
				msg = s.String()
			}
		}
		ch <- settled{err: errors.New(msg)}
		return nil
	})
	promise.Call("then", onOK, onErr)
	s := <-ch
	onOK.Release()
	onErr.Release()
	return s.v, s.err
}
