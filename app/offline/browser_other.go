//go:build !(js && wasm)

package offline

// store outside the browser: memory, for prerendering and tests.
var store storage = &memStore{}

// Start does nothing outside the browser.
func Start() {}

func probe() {}

func updateWaiting(found func(bool)) { found(false) }

func applyUpdate() {}
