//go:build js && wasm

package promise

import "syscall/js"

// Rejection is why a promise was rejected: the error's name
// ("NotAllowedError", "" when it has none) and its text.
type Rejection struct {
	Name    string
	Message string
}

func (r *Rejection) Error() string { return r.Message }

// Await blocks until the promise settles: its value, or a *Rejection. It
// must not run on the goroutine that serves JavaScript callbacks (go-app's
// UI goroutine): the promise's callbacks could never run.
func Await(promise js.Value) (js.Value, error) {
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
		r := &Rejection{Message: "rejected"}
		if len(args) > 0 && args[0].Truthy() {
			if n := args[0].Get("name"); n.Type() == js.TypeString {
				r.Name = n.String()
			}
			if s := args[0].Call("toString"); s.Type() == js.TypeString {
				r.Message = s.String()
			}
		}
		ch <- settled{err: r}
		return nil
	})
	promise.Call("then", onOK, onErr)
	s := <-ch
	onOK.Release()
	onErr.Release()
	if s.err != nil {
		return js.Undefined(), s.err
	}
	return s.v, nil
}
