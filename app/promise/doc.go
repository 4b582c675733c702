// Package promise awaits JavaScript promises from Go, in the browser
// (GOOS=js): the API client's fetch and the passkeys' navigator.credentials
// both block on one. Other builds have nothing here.
package promise
