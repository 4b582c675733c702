// Command wasm is Sésame's browser app (GOOS=js GOARCH=wasm). It links app/
// and shared/ only, never server/.
package main

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/page"
)

func main() {
	page.Routes()
	app.RunWhenOnBrowser()
}
