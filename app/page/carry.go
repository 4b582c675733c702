package page

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/locale"
)

// go-app v9 does not hydrate the prerendered page: once app.wasm has loaded,
// it replaces the whole body with the app's own elements. Whatever the user
// typed into the prerendered form meanwhile, and where the focus was, would
// be lost. A carry is taken in the first screen's OnInit (the prerendered
// elements are still there) and put back in its OnMount: values are set on
// the new inputs, which then receive an input event so that the screen's
// state follows, exactly as if they had been typed; radios are clicked; the
// focus returns. Nothing leaves memory.

// firstLoad is true until the first screen has mounted in the browser.
var firstLoad = true

type carry struct {
	values  map[string]string // input id → value
	checked []string          // ids of checked radios and boxes
	focus   string
}

// takeCarry reads the prerendered form. It returns nil on the server, after
// the first screen, and when there is nothing to carry.
func takeCarry() *carry {
	if !app.IsClient || !firstLoad {
		return nil
	}
	doc := app.Window().Get("document")
	inputs := doc.Call("querySelectorAll", "main input[id]")
	c := &carry{values: map[string]string{}}
	for i := 0; i < inputs.Length(); i++ {
		in := inputs.Index(i)
		id := in.Get("id").String()
		switch in.Get("type").String() {
		case "radio", "checkbox":
			if in.Get("checked").Bool() && !in.Get("defaultChecked").Bool() {
				c.checked = append(c.checked, id)
			}
		case "hidden", "submit", "button":
		default:
			if v := in.Get("value").String(); v != "" {
				c.values[id] = v
			}
		}
	}
	if a := doc.Get("activeElement"); a.Truthy() {
		if id := a.Get("id"); id.Truthy() {
			c.focus = id.String()
		}
	}
	if len(c.values) == 0 && len(c.checked) == 0 && c.focus == "" {
		return nil
	}
	return c
}

// restore puts the carried values back, once the screen has rendered.
func (c *carry) restore() {
	if c == nil {
		return
	}
	doc := app.Window().Get("document")
	for id, v := range c.values {
		el := app.Window().GetElementByID(id)
		if !el.Truthy() {
			continue
		}
		el.Set("value", v)
		ev := app.Window().Get("Event").New("input", map[string]any{"bubbles": true})
		el.Call("dispatchEvent", ev)
	}
	for _, id := range c.checked {
		if el := app.Window().GetElementByID(id); el.Truthy() && !el.Get("checked").Bool() {
			el.Call("click")
		}
	}
	if c.focus != "" {
		if el := app.Window().GetElementByID(c.focus); el.Truthy() && !doc.Get("activeElement").Equal(el) {
			el.Call("focus")
		}
	}
}

// startLang is a screen's language at its first render, from its OnInit:
// in the browser, the one chosen before (so that it never shows, even for
// a frame, in the other); on the server, lang as it is (French when
// prerendering; tests set it).
func startLang(lang string) string {
	if app.IsClient {
		return locale.Stored()
	}
	return lang
}

// mounted is a screen's OnMount. The screen follows the UI language
// (app/locale): *lang at once and at every choice, when rename (which
// renames the document) runs before the screen renders again. Once it has
// rendered, the carry of the prerendered page (*c, which it takes; nil
// for a screen without one) is put back, then <body> is marked ready.
func mounted(ctx app.Context, lang *string, rename func(app.Context), c **carry) {
	locale.Follow(ctx, lang, func() { rename(ctx) })
	var taken *carry
	if c != nil {
		taken, *c = *c, nil
	}
	ctx.Defer(func(app.Context) {
		taken.restore()
		markReady()
	})
}
