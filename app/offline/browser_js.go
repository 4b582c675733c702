//go:build js && wasm

package offline

import (
	"sync"
	"syscall/js"
)

// store is the browser's localStorage, or memory when it cannot be used.
var store = newBrowserStore()

// jsStore is localStorage. Every call is guarded: a browser that refuses
// storage (disabled, full) throws, and the app goes on without drafts.
type jsStore struct {
	ls  js.Value
	mem memStore
}

func newBrowserStore() storage {
	s := &jsStore{}
	func() {
		defer func() { _ = recover() }()
		if ls := js.Global().Get("localStorage"); ls.Truthy() {
			s.ls = ls
		}
	}()
	return s
}

func (s *jsStore) get(k string) (v string, ok bool) {
	if !s.ls.Truthy() {
		return s.mem.get(k)
	}
	defer func() {
		if recover() != nil {
			v, ok = "", false
		}
	}()
	r := s.ls.Call("getItem", k)
	if r.Type() != js.TypeString {
		return "", false
	}
	return r.String(), true
}

func (s *jsStore) set(k, v string) {
	if !s.ls.Truthy() {
		s.mem.set(k, v)
		return
	}
	defer func() { _ = recover() }()
	s.ls.Call("setItem", k, v)
}

func (s *jsStore) remove(k string) {
	if !s.ls.Truthy() {
		s.mem.remove(k)
		return
	}
	defer func() { _ = recover() }()
	s.ls.Call("removeItem", k)
}

var startOnce sync.Once

// Start follows the browser's online and offline events and, if requests
// wait and the browser is online, sends them. Banner calls it when it
// mounts (every page has one); later calls do nothing.
func Start() {
	startOnce.Do(func() {
		win := js.Global()
		if on := win.Get("navigator").Get("onLine"); on.Type() == js.TypeBoolean {
			state.Lock()
			state.navOnline = on.Bool()
			state.Unlock()
		}
		win.Call("addEventListener", "online", js.FuncOf(func(js.Value, []js.Value) any {
			setNavOnline(true)
			return nil
		}))
		win.Call("addEventListener", "offline", js.FuncOf(func(js.Value, []js.Value) any {
			setNavOnline(false)
			return nil
		}))
		state.Lock()
		nav := state.navOnline
		state.Unlock()
		if nav && hasPending() {
			go Flush()
		}
	})
}

// probe asks the server for /healthz, for nothing but to learn whether
// requests get an answer again.
func probe() {
	defer func() { _ = recover() }()
	win := js.Global()
	fetch := win.Get("fetch")
	if fetch.Type() != js.TypeFunction {
		return
	}
	opts := win.Get("Object").New()
	opts.Set("cache", "no-store")
	opts.Set("credentials", "omit")
	opts.Set("referrerPolicy", "no-referrer")
	then(fetch.Invoke("/healthz", opts), func(js.Value) { reported(true) }, func() { reported(false) })
}

// then calls ok or fail once the promise settles, without blocking.
func then(promise js.Value, ok func(js.Value), fail func()) {
	var onOK, onErr js.Func
	release := func() { onOK.Release(); onErr.Release() }
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		release()
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ok(v)
		return nil
	})
	onErr = js.FuncOf(func(js.Value, []js.Value) any {
		release()
		fail()
		return nil
	})
	promise.Call("then", onOK, onErr)
}

// serviceWorker is navigator.serviceWorker, if the browser has one.
func serviceWorker() (js.Value, bool) {
	sw := js.Global().Get("navigator").Get("serviceWorker")
	return sw, sw.Truthy()
}

// updateWaiting calls found(true) when a new version of the service worker
// is installed and waits to take over the page (an update: the page already
// has a controller), found(false) otherwise.
func updateWaiting(found func(bool)) {
	sw, ok := serviceWorker()
	if !ok || !sw.Get("controller").Truthy() {
		found(false)
		return
	}
	then(sw.Call("getRegistration"), func(reg js.Value) {
		found(reg.Truthy() && reg.Get("waiting").Truthy())
	}, func() { found(false) })
}

// applyUpdate tells the waiting worker to take over (it answers the
// "skip-waiting" message with skipWaiting), then reloads the page once it
// controls it. Without a waiting worker, it just reloads.
func applyUpdate() {
	reload := func() { js.Global().Get("location").Call("reload") }
	sw, ok := serviceWorker()
	if !ok {
		reload()
		return
	}
	then(sw.Call("getRegistration"), func(reg js.Value) {
		if !reg.Truthy() || !reg.Get("waiting").Truthy() {
			reload()
			return
		}
		var onChange js.Func
		onChange = js.FuncOf(func(js.Value, []js.Value) any {
			onChange.Release()
			reload()
			return nil
		})
		opts := js.Global().Get("Object").New()
		opts.Set("once", true)
		sw.Call("addEventListener", "controllerchange", onChange, opts)
		msg := js.Global().Get("Object").New()
		msg.Set("type", SkipWaitingMessage)
		reg.Get("waiting").Call("postMessage", msg)
	}, reload)
}
