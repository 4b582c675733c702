//go:build !(js && wasm)

package passkey

// Outside the browser (prerendering, tests) there is no authenticator.

// Supported is false outside the browser.
func Supported() bool { return false }

// ConditionalAvailable is false outside the browser.
func ConditionalAvailable() bool { return false }

// Create answers ErrUnsupported outside the browser.
func Create(options []byte) ([]byte, error) { return nil, ErrUnsupported }

// Get answers ErrUnsupported outside the browser.
func Get(options []byte, conditional bool, stop <-chan struct{}) ([]byte, error) {
	return nil, ErrUnsupported
}
