package browser

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"sesame/app/offline"
)

// network switches a tab's network off and on, as DevTools' "Offline"
// does: navigator.onLine follows (with the offline and online events) and
// every request fails, the page's and its service worker's (a worker is a
// target of its own: the page's emulation does not reach its fetches).
type netSwitch struct {
	e        *env
	sw       context.Context // attached to the service worker
	stopFail context.CancelFunc
}

// network attaches to the tab's service worker, which must be running.
func (e *env) network() *netSwitch {
	e.t.Helper()
	var id target.ID
	deadline := time.Now().Add(stepTimeout)
	for id == "" {
		infos, err := chromedp.Targets(e.ctx)
		if err != nil {
			e.t.Fatalf("browser: targets: %v", err)
		}
		for _, ti := range infos {
			if ti.Type == "service_worker" && strings.HasPrefix(ti.URL, e.URL+"/") {
				id = ti.TargetID
			}
		}
		if id == "" {
			if time.Now().After(deadline) {
				e.t.Fatalf("browser: no service worker of %s among the targets", e.URL)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	sw, cancel := chromedp.NewContext(e.ctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	e.t.Cleanup(cancel)
	// The first Run binds the session to the context it gets: sw itself,
	// not a child with a deadline.
	if err := chromedp.Do(sw); err != nil {
		e.t.Fatalf("browser: attaching to the service worker: %v", err)
	}
	return &netSwitch{e: e, sw: sw}
}

// set cuts the network (off) or gives it back.
//
// The emulation holds for the tab's documents of the server's origin: a
// navigation to another origin (about:blank) drops it for the page being
// left, which then sees an online event, so the tests never leave the
// origin while offline.
func (n *netSwitch) set(off bool) {
	n.e.t.Helper()
	n.requests(off)
	n.navigator(off)
}

// requests makes every request of the page and its worker fail (off), or
// go through. Besides the emulation, the page's requests to the server's
// API and probes are failed by interception (Fetch domain): the emulation
// alone lets some through while the page reloads.
func (n *netSwitch) requests(off bool) {
	n.e.t.Helper()
	n.intercept(off)
	conds := []*network.Conditions{}
	if off {
		conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	n.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule,
			network.EmulateNetworkConditionsByRuleParams{EmulateOfflineServiceWorker: &off, MatchedNetworkConditions: conds})
		return err
	})
}

// intercept fails every request of the page to the API or /healthz (off),
// or stops doing so.
func (n *netSwitch) intercept(off bool) {
	e := n.e
	e.t.Helper()
	if n.stopFail != nil {
		n.stopFail()
		n.stopFail = nil
		call(e, fetch.Disable, cdp.Empty{})
	}
	if !off {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	n.stopFail = cancel
	e.t.Cleanup(cancel)
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	call(e, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: e.URL + "/api/*"}, {URLPattern: e.URL + "/healthz*"},
	}})
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{
				RequestID: ev.RequestID, ErrorReason: network.ErrorReasonInternetDisconnected,
			})
		}
	}()
}

// navigator sets navigator.onLine to !off, firing online or offline.
func (n *netSwitch) navigator(off bool) {
	n.e.t.Helper()
	n.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, network.OverrideNetworkState,
			network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// call runs f on the page's session and on the worker's.
func (n *netSwitch) call(f func(context.Context) error) {
	n.e.t.Helper()
	for _, c := range []context.Context{n.e.ctx, n.sw} {
		ctx, cancel := context.WithTimeout(c, stepTimeout)
		err := f(ctx)
		cancel()
		if err != nil {
			n.e.t.Fatalf("browser: network emulation: %v", err)
		}
	}
}

// requestsTo counts the requests the server got for path, whatever it
// answered.
func (e *env) requestsTo(path string) int {
	e.requests.mu.Lock()
	defer e.requests.mu.Unlock()
	n := 0
	for _, r := range e.requests.reqs {
		if r.Path == path {
			n++
		}
	}
	return n
}

// controlled opens path and waits until the service worker controls the
// page (its first version claims the page it installs from).
func (e *env) controlled(path string) {
	e.t.Helper()
	e.open(path)
	eval[bool](e, `navigator.serviceWorker.ready.then(() => true)`)
	e.waitJS(`navigator.serviceWorker.controller`, "the service worker to control the page")
}

// offlineToken is a well-formed link token that no server issued: a reset
// page opened offline cannot check it, and shows its form all the same.
var offlineToken = strings.Repeat("Zk9-", 11)

// storageDump lists what the page's origin keeps: every localStorage and
// sessionStorage entry ("key=value") and the URL of every cached request
// ("cache <name> <url>").
func (e *env) storageDump() []string {
	e.t.Helper()
	return eval[[]string](e, `(async () => {
		const out = [];
		for (const s of [localStorage, sessionStorage]) {
			for (let i = 0; i < s.length; i++) {
				const k = s.key(i);
				out.push(k + "=" + s.getItem(k));
			}
		}
		for (const name of await caches.keys()) {
			const c = await caches.open(name);
			for (const r of await c.keys()) out.push("cache " + name + " " + r.url);
		}
		return out;
	})()`)
}

// noSecretStored fails the test if browser storage or the worker's cache
// holds one of the secrets, an API answer or a deep link.
func (e *env) noSecretStored(secrets ...string) {
	e.t.Helper()
	dump := e.storageDump()
	for _, entry := range dump {
		for _, s := range append(secrets, "/api/", "password", "token", "captcha", "mot-de-passe/", "mot-de-passe-oublie") {
			if strings.Contains(entry, s) {
				e.t.Errorf("browser storage holds %q: %s", s, entry)
			}
		}
	}
	if len(dump) == 0 {
		e.t.Error("browser storage is empty: is the worker's cache there?")
	}
}

// bannerText is the offline banner's text, "" when it is not shown.
func (e *env) bannerText() string {
	return eval[string](e, `document.querySelector("#offline-banner")?.innerText.trim() ?? ""`)
}

// offlineNoise is what Chromium logs about requests that fail offline.
var offlineNoise = regexp.MustCompile(`ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_|status of 410`)

// Once the app has loaded, every page opens offline, deep links included,
// from the worker's cached shell: the Wasm renders the route of the
// address. The reset page's checklist runs offline. Nothing secret is
// stored, and no deep link nor API answer is cached.
func TestOfflineDeepLinks(t *testing.T) {
	needScreens(t, employeurForgot, employeurReset)
	e := newEnv(t)
	e.controlled("/") // the deep links below were never visited
	n := e.network()
	n.set(true)
	e.waitJS(`document.querySelector("#offline-banner")`, "the offline banner on the home page")
	if got := e.bannerText(); got != offline.BannerTextOther {
		t.Errorf("home banner %q, want %q", got, offline.BannerTextOther)
	}

	// The forgotten-password form, with its banner.
	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#forgot[data-state=form] #email")`, "the forgotten-password form, offline")
	if p := eval[string](e, `location.pathname`); p != employeurForgot {
		t.Errorf("offline, %s shows %s", employeurForgot, p)
	}
	if title := get(e, chromedp.Title()); !strings.Contains(title, "Mot de passe oublié") {
		t.Errorf("offline, %s has the title %q", employeurForgot, title)
	}
	if got := e.bannerText(); got != offline.BannerText {
		t.Errorf("forgot banner %q, want %q", got, offline.BannerText)
	}
	if role := eval[string](e, `document.querySelector("#offline-status").getAttribute("role") + " " + document.querySelector("#offline-status").getAttribute("aria-live")`); role != "status polite" {
		t.Errorf("the banner's region is %q, want role=status aria-live=polite", role)
	}
	e.screenshot("forgot-offline")
	e.noHorizontalOverflow("forgot, offline")
	e.checkA11y("forgot, offline")

	// A reset link: its check gets no answer, the form and its checklist
	// work all the same.
	e.do(chromedp.Navigate(e.URL + employeurReset + "#" + offlineToken))
	e.waitReady()
	e.waitJS(`document.querySelector("#reset[data-state=retry] #password")`, "the reset form, offline")
	typed := ""
	for _, r := range newPassword {
		e.typeInto("#password", string(r))
		typed += string(r)
	}
	e.waitChecklist(employeurRules(typed), "offline")
	e.typeInto("#confirm", newPassword)
	e.waitChecklist(map[string]bool{"confirm": true, "length": true, "digits": true, "special": true}, "offline, confirmed")
	e.screenshot("reset-offline")

	for _, p := range []string{"/", employeurForgot, employeurReset} {
		if k := e.requestsTo(p); p != "/" && k != 0 {
			t.Errorf("offline, the server got %d requests for %s", k, p)
		}
	}
	e.noSecretStored(newPassword, offlineToken)

	// Back online: the banner goes once a request gets an answer.
	n.set(false)
	e.waitJS(`!document.querySelector("#offline-banner")`, "the banner to go")
	e.noSecretStored(newPassword, offlineToken)
}

// A recovery request made offline on employeur waits, visibly, in the
// browser (its e-mail and portal only), survives a reload, and leaves when
// the network returns: the mail arrives and « Consultez vos emails » shows.
func TestOfflineQueuedRequest(t *testing.T) {
	needScreens(t, employeurForgot)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)
	e.controlled(employeurForgot)
	n := e.network()
	n.set(true)
	e.waitJS(`document.querySelector("#offline-banner")`, "the offline banner")

	e.typeInto("#email", employeurEmail)
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=queued]")`, "the queued request")
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#queued-status")))); got != offline.PendingText {
		t.Errorf("#queued-status says %q, want %q", got, offline.PendingText)
	}
	e.screenshot("queued")
	e.noHorizontalOverflow("queued request")
	e.checkA11y("queued request")
	queue := eval[string](e, `localStorage.getItem("sesame.queue") ?? ""`)
	if !strings.Contains(queue, employeurEmail) || !strings.Contains(queue, `"employeur"`) {
		t.Errorf("queue %q lacks the request", queue)
	}
	for _, s := range []string{"captcha", "password", "token"} {
		if strings.Contains(queue, s) {
			t.Errorf("the queue holds %q: %s", s, queue)
		}
	}

	// Still offline after a reload: it still waits.
	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#forgot[data-state=queued]")`, "the queued request after a reload")
	if n := e.requestsTo("/api/v1/portals/employeur/recovery"); n != 0 || e.Sink.Count(employeurEmail) != 0 {
		t.Fatalf("offline, the request left: %d requests, %d mails", n, e.Sink.Count(employeurEmail))
	}

	n.set(false)
	e.waitJS(`document.querySelector("#forgot[data-state=sent]")`, "« Consultez vos emails » once the network is back")
	e.waitText("Consultez vos emails")
	e.Sink.Wait(t, employeurEmail, mailTimeout).Link(t, e.URL+"/employeur")
	if got := e.served("/api/v1/portals/employeur/recovery", 202); got != 1 {
		t.Errorf("the request was accepted %d times, want once", got)
	}
	e.waitJS(`!document.querySelector("#offline-banner")`, "the banner to go")
	if left := eval[string](e, `Object.keys(localStorage).join(" ")`); left != "" {
		t.Errorf("localStorage keeps %q once the request is sent", left)
	}
	e.screenshot("sent")
	e.noConsoleErrors(offlineNoise)
}

// A request still queued when the app starts with the network back is sent
// at once, from any page.
func TestOfflineQueueAtStartup(t *testing.T) {
	needScreens(t, employeurForgot)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)
	e.controlled(employeurForgot)
	n := e.network()
	n.set(true)
	e.typeInto("#email", employeurEmail)
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=queued]")`, "the queued request")

	// The browser says it is online again, but requests still fail: the
	// request is tried and stays. Then the network comes back and, before
	// any retry (5 s later), the app starts again.
	n.navigator(false)
	e.waitJS(`navigator.onLine`, "navigator.onLine")
	e.waitJS(`document.querySelector("#forgot[data-state=queued]")`, "the request still queued")
	n.requests(false)
	if e.Sink.Count(employeurEmail) != 0 || e.requestsTo("/api/v1/portals/employeur/recovery") != 0 {
		t.Fatal("the request left before the app started again")
	}
	e.open("/")
	e.Sink.Wait(t, employeurEmail, mailTimeout)
	e.waitJS(`!localStorage.getItem("sesame.queue")`, "the queue to empty")
	e.open(employeurForgot)
	if v := get(e, chromedp.Value(chromedp.CSS("#email"))); v != "" {
		t.Errorf("the sent request's draft is restored: %q", v)
	}
}

// The forgotten-password form keeps its e-mail across reloads (online or
// not) and forgets it once the request is accepted; through the whole
// journey, no password or token reaches browser storage.
func TestOfflineDraft(t *testing.T) {
	needScreens(t, employeurForgot, employeurReset)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)
	e.controlled(employeurForgot)
	e.typeInto("#email", employeurEmail)
	e.waitJS(`(localStorage.getItem("sesame.draft.employeur.mot-de-passe-oublie") ?? "").includes("`+employeurEmail+`")`, "the draft to be saved")

	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#email").value === "`+employeurEmail+`"`, "the e-mail restored after a reload")

	n := e.network()
	n.set(true)
	e.open(employeurForgot) // offline: from the worker's cache
	e.waitJS(`document.querySelector("#email").value === "`+employeurEmail+`"`, "the e-mail restored offline")
	n.set(false)
	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#email").value === "`+employeurEmail+`"`, "the e-mail restored online")

	// Sent: the draft is gone.
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=sent]")`, "« Consultez vos emails »")
	e.open(employeurForgot)
	if v := get(e, chromedp.Value(chromedp.CSS("#email"))); v != "" {
		t.Errorf("the draft outlives the request: %q", v)
	}

	// The rest of the journey stores nothing secret.
	link := e.Sink.Wait(t, employeurEmail, mailTimeout).Link(t, e.URL+"/employeur")
	_, tok, _ := strings.Cut(link, "#")
	e.openLink(link)
	e.typeInto("#password", newPassword)
	e.typeInto("#confirm", newPassword)
	e.noSecretStored(newPassword, tok)
	e.click("#submit")
	e.waitJS(`document.querySelector("#reset[data-state=done]")`, "the success screen")
	e.signIn(employeurEmail, newPassword, nil)
	e.noSecretStored(newPassword, oldPassword, tok)
}

// A new version of the app waits until the user asks: « Mise à jour
// disponible » then « Mettre à jour » activates it and reloads the page,
// and the old cache goes.
func TestUpdatePrompt(t *testing.T) {
	e := newEnv(t)
	e.controlled("/")
	oldCaches := eval[[]string](e, `caches.keys()`)
	if len(oldCaches) != 1 {
		t.Fatalf("caches %v, want one", oldCaches)
	}
	if eval[bool](e, `!!document.querySelector("#update-apply")`) {
		t.Fatal("an update is offered on the first visit")
	}

	// A new build: sesame.css changes (its time is put back at the end,
	// the web directory being shared by every test).
	css := filepath.Join(webDir, "sesame.css")
	fi, err := os.Stat(css)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chtimes(css, fi.ModTime(), fi.ModTime()) })
	later := fi.ModTime().Add(time.Hour)
	if err := os.Chtimes(css, later, later); err != nil {
		t.Fatal(err)
	}
	eval[bool](e, `navigator.serviceWorker.getRegistration().then(r => r.update()).then(() => true)`)
	e.waitJS(`document.querySelector("#update-apply")`, "« Mettre à jour »")
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#update-status")))); !strings.Contains(got, offline.UpdateTitle) {
		t.Errorf("#update-status says %q", got)
	}
	e.screenshot("update")
	e.noHorizontalOverflow("update prompt")
	e.checkA11y("update prompt")

	// A reload alone keeps the running version, and the offer.
	e.open("/")
	e.waitJS(`document.querySelector("#update-apply")`, "« Mettre à jour » after a reload")
	if got := eval[[]string](e, `caches.keys()`); len(got) != 2 {
		t.Errorf("caches %v, want the old and the new", got)
	}

	e.do(chromedp.Evaluate[chromedp.Void](`window.beforeUpdate = true`))
	e.click("#update-apply")
	e.waitJS(`window.beforeUpdate === undefined && document.body.hasAttribute("data-app-ready")`, "the reload")
	eval[bool](e, `navigator.serviceWorker.ready.then(() => true)`)
	e.waitJS(`navigator.serviceWorker.controller`, "the new worker to control the page")
	if eval[bool](e, `!!document.querySelector("#update-apply")`) {
		t.Error("the update is still offered after it")
	}
	got := eval[[]string](e, `caches.keys()`)
	if len(got) != 1 || got[0] == oldCaches[0] {
		t.Errorf("caches %v after the update, want only a new one (the old was %v)", got, oldCaches)
	}
	e.noConsoleErrors()
}
