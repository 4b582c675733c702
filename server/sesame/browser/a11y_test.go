package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"sesame/app/page"
)

// axeTags are the rule sets Sésame promises: WCAG 2.1 A and AA.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']`

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
	axePath   string
)

// axeScript returns axe.min.js, from $SESAME_AXE or from where .ci/run
// installs it. Missing, it fails the test when CI is set and skips it
// otherwise.
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		axePath = os.Getenv("SESAME_AXE")
		if axePath == "" {
			axePath = filepath.Join(moduleRoot, ".ci", "node", "node_modules", "axe-core", "axe.min.js")
		}
		var b []byte
		b, axeErr = os.ReadFile(axePath)
		axeSource = string(b)
	})
	if axeErr != nil {
		msg := fmt.Sprintf("axe-core is missing (%v): run `npm install --no-save --prefix .ci/node axe-core@4.14.1` or set SESAME_AXE", axeErr)
		if inCI {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return axeSource
}

// axeViolation is the part of an axe-core violation a failure shows.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
		HTML    string `json:"html"`
	} `json:"nodes"`
}

// checkA11y runs axe-core on the current page and reports every WCAG 2.1
// A/AA violation as an error naming the page.
func (e *env) checkA11y(pageName string) {
	e.t.Helper()
	src := axeScript(e.t)
	if !eval[bool](e, `typeof axe === "object"`) {
		get(e, chromedp.Evaluate[chromedp.Void](src))
	}
	vs := eval[[]axeViolation](e, `axe.run(document, {runOnly: {type: 'tag', values: `+axeTags+`}, resultTypes: ['violations']})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary, html: n.html}))})))`)
	for _, v := range vs {
		var b strings.Builder
		fmt.Fprintf(&b, "axe on %s: %s (%s): %s", pageName, v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    target %v: %s\n      %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " / "), n.HTML)
		}
		e.t.Error(b.String())
	}
}

// Every page passes axe-core's WCAG 2.1 A and AA rules at phone width, and
// none is wider than the phone. The employeur screens are checked in each
// state a user meets: empty, with an error, sent, mid-typing, done, used
// link, signed in.
func TestAccessibility(t *testing.T) {
	if skipReason == "" {
		axeScript(t) // skip or fail before starting anything
	}
	e := newEnv(t)
	check := func(name string) {
		t.Helper()
		where := fmt.Sprintf("%s (%s)", name, e.location())
		e.screenshot(name)
		e.noHorizontalOverflow(where)
		e.checkA11y(where)
	}
	for _, p := range []struct{ name, path string }{
		{"home", "/"},
		{"not-found", "/page-inconnue"},
	} {
		e.open(p.path)
		check(p.name)
	}

	if !page.Exists(employeurForgot) || !page.Exists(employeurReset) || !page.Exists(employeurSignIn) || !page.Exists(employeurAccount) {
		t.Logf("the employeur screens are not all there yet: only the pages above were checked")
		return
	}
	e.importEmployeur(employeurEmail, oldPassword)

	e.open(employeurSignIn)
	check("employeur-signin")
	e.click("#submit")
	e.waitJS(`document.querySelector("#email[aria-invalid=true]")`, "the sign-in form's error")
	check("employeur-signin-error")

	e.open(employeurForgot)
	e.click("#submit")
	e.waitJS(`document.querySelector("#email[aria-invalid=true]")`, "the forgotten-password form's error")
	check("employeur-forgot-error")
	e.requestReset(employeurEmail, func(state string) { check("employeur-" + state) })

	link := e.Sink.Wait(t, employeurEmail, mailTimeout).Link(t, e.URL+"/employeur")
	e.openLink(link)
	check("employeur-reset")
	e.typeInto("#password", "Lune9Ve")
	e.waitChecklist(employeurRules("Lune9Ve"), "mid-typing")
	check("employeur-reset-typing")
	e.typeInto("#password", newPassword[len("Lune9Ve"):])
	e.typeInto("#confirm", newPassword)
	e.click("#submit")
	e.waitJS(`document.querySelector("#reset[data-state=done]")`, "the success screen")
	check("employeur-reset-done")

	e.openLink(link)
	e.waitJS(`document.querySelector("#reset[data-state=gone]")`, "the used-link screen")
	check("employeur-link-used")

	e.signIn(employeurEmail, newPassword, nil)
	check("employeur-account")
}
