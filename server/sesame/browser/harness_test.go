package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"sesame/server/sesame/sesametest"
)

const (
	// phone viewport, in CSS pixels.
	viewWidth, viewHeight = 390, 844

	// stepTimeout bounds every browser step: a hung page fails the test
	// within it.
	stepTimeout = 30 * time.Second
	// mailTimeout bounds the wait for a mail in the sink.
	mailTimeout = 15 * time.Second
)

// Set once by TestMain.
var (
	moduleRoot  string          // the directory holding go.mod
	webDir      string          // web/ with the freshly built app.wasm
	browserCtx  context.Context // the one Chromium of the test binary
	skipReason  string          // non-empty: no Chromium and CI unset
	shotsDir    = os.Getenv("SESAME_SCREENSHOTS")
	inCI        = os.Getenv("CI") != ""
	chromiumBin = orDefault(os.Getenv("SESAME_CHROMIUM"), "/usr/bin/chromium")
)

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	if fi, err := os.Stat(chromiumBin); err != nil || fi.IsDir() {
		msg := fmt.Sprintf("browser tests need %s: apt-get install chromium (or set SESAME_CHROMIUM)", chromiumBin)
		if inCI {
			fmt.Fprintln(os.Stderr, "FAIL: "+msg+" — CI is set, so they may not be skipped")
			return 1
		}
		fmt.Fprintln(os.Stderr, "SKIP: "+msg)
		skipReason = msg
		return m.Run()
	}

	tmp, err := os.MkdirTemp("", "sesame-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	if moduleRoot, err = findModuleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	if webDir, err = buildWeb(moduleRoot, filepath.Join(tmp, "web")); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	if shotsDir != "" {
		if err := os.MkdirAll(shotsDir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: SESAME_SCREENSHOTS:", err)
			return 1
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumBin),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.WindowSize(viewWidth, viewHeight),
		chromedp.UserDataDir(filepath.Join(tmp, "profile")),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	// The first Run starts the browser and binds it to bctx, which has no
	// deadline; a watchdog bounds the start instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err := <-started:
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: starting %s: %v\n", chromiumBin, err)
			return 1
		}
	case <-time.After(60 * time.Second):
		fmt.Fprintf(os.Stderr, "FAIL: %s did not start within 60 s\n", chromiumBin)
		return 1
	}
	browserCtx = bctx
	return m.Run()
}

// findModuleRoot asks the go command where go.mod is.
func findModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the module")
	}
	return filepath.Dir(gomod), nil
}

// buildWeb fills dst with the repository's web/ files (CSS, icons, …) and a
// freshly built app.wasm, left uncompressed (the server serves it raw when
// there is no app.wasm.br).
func buildWeb(root, dst string) (string, error) {
	src := filepath.Join(root, "web")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(d.Name(), "app.wasm") || strings.HasSuffix(d.Name(), ".go") || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("copying web/: %w", err)
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dst, "app.wasm"), "./app/wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the Wasm app: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "browser: app.wasm built in %s\n", time.Since(start).Round(time.Millisecond))
	return dst, nil
}

// env is one test's world: a server (its URL, http://localhost:port, is
// the public URL), its mail sink and a browser tab.
type env struct {
	*sesametest.Server
	t   *testing.T
	ctx context.Context // the tab

	requests *requestLog
	console  *consoleLog
	shots    int
}

// options of newEnv.
type options struct {
	env            map[string]string // SESAME_* settings added or overridden
	defaultProfile bool
}

// Option changes how newEnv starts the server.
type Option func(*options)

// WithEnv sets a SESAME_* variable of the server's configuration.
func WithEnv(k, v string) Option { return func(o *options) { o.env[k] = v } }

// InDefaultProfile opens the tab in the browser's default context (the
// test binary's temporary profile) instead of a fresh, incognito-like one:
// Chromium never offers to install an app from an incognito context.
// Cookies are shared with the other tests of the binary that use it.
func InDefaultProfile() Option { return func(o *options) { o.defaultProfile = true } }

// newEnv starts a server and its mail sink (sesametest) and a fresh tab for
// the test; all stop when the test ends.
func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	o := options{env: map[string]string{}}
	for _, f := range opts {
		f(&o)
	}

	reqs := &requestLog{}
	srv := sesametest.Start(t, sesametest.Options{Env: o.env, WebDir: webDir, Localhost: true, Wrap: reqs.wrap})

	// A new browser context per test: no cookie, storage, cache or
	// service worker is shared with another test.
	var tabOpts []chromedp.ContextOption
	if !o.defaultProfile {
		tabOpts = append(tabOpts, chromedp.WithNewBrowserContext())
	}
	tab, closeTab := chromedp.NewContext(browserCtx, tabOpts...)
	e := &env{Server: srv, t: t, ctx: tab, requests: reqs, console: &consoleLog{}}
	messages := chromedp.Console(tab)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			e.console.add(m)
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			e.saveShot("failure")
			t.Logf("browser console:\n%s", e.console.dump())
		}
		closeTab()
		<-consoleDone
	})
	e.do(chromedp.EmulateViewport(viewWidth, viewHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	return e
}

// do runs browser steps, each bounded by stepTimeout, and fails the test
// on the first error.
func (e *env) do(steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	for _, s := range steps {
		ctx, cancel := context.WithTimeout(e.ctx, stepTimeout)
		err := chromedp.Do(ctx, s)
		cancel()
		if err != nil {
			e.t.Fatalf("browser: %v (page %s)", err, e.location())
		}
	}
}

// get runs one browser action that returns a value, bounded by stepTimeout.
func get[T any](e *env, a chromedp.Action[T]) T {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		e.t.Fatalf("browser: %v (page %s)", err, e.location())
	}
	return v
}

// location is the tab's URL, or a note saying it is unknown.
func (e *env) location() string {
	ctx, cancel := context.WithTimeout(e.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return u
}

// open loads a page of the server (path starts with "/", may carry a
// #fragment) and waits until the Wasm app has mounted.
func (e *env) open(path string) {
	e.t.Helper()
	e.do(chromedp.Navigate(e.URL + path))
	e.waitReady()
}

// waitReady waits for <body data-app-ready>, set once the Wasm has mounted.
func (e *env) waitReady() {
	e.t.Helper()
	e.do(chromedp.WaitReady(chromedp.CSS("body[data-app-ready]")))
}

// waitJS polls the JavaScript expression from Go until it is truthy, for at
// most stepTimeout. (chromedp.Poll builds its predicate with new Function,
// which the app's CSP forbids, as it should.)
func (e *env) waitJS(expr string, what string) {
	e.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(e.ctx, stepTimeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("browser: waited %s for %s (last error: %v; page %s)", stepTimeout, what, err, e.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitText waits until the page's visible text contains s.
func (e *env) waitText(s string) {
	e.t.Helper()
	q, _ := json.Marshal(s)
	e.waitJS(`document.body && document.body.innerText.includes(`+string(q)+`)`, fmt.Sprintf("the text %q", s))
}

// waitPath waits until the tab's path is p.
func (e *env) waitPath(p string) {
	e.t.Helper()
	q, _ := json.Marshal(p)
	e.waitJS(`location.pathname === `+string(q), "the page "+p)
}

// keyPace is the pause between two keys typeInto sends: quicker than any
// person, slower than the app's frame (16 ms). go-app v9 renders on a
// frame ticker and picks at random between a due frame and a pending
// input event, so a controlled input that receives keys a few milliseconds
// apart loses some (measured: 4 runs in 5 at CDP speed, 0 in 5 at 20 ms).
const keyPace = 30 * time.Millisecond

// typeInto types text into the element with real key events, one
// character after the other, so oninput fires for each; then it checks the
// field holds every character.
func (e *env) typeInto(selector, text string) {
	e.t.Helper()
	sel := chromedp.CSS(selector)
	before := get(e, chromedp.Value(sel))
	for _, r := range text {
		e.do(chromedp.SendKeys(sel, string(r)))
		time.Sleep(keyPace)
	}
	if got := get(e, chromedp.Value(sel)); got != before+text {
		e.t.Fatalf("typed %q into %s, which holds %q: keystrokes were lost", text, selector, got)
	}
}

// click clicks the first element matching selector.
func (e *env) click(selector string) {
	e.t.Helper()
	e.do(chromedp.Click(chromedp.CSS(selector)))
}

// eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its value.
func eval[T any](e *env, expr string) T {
	e.t.Helper()
	return get(e, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// screenshot saves a full-page PNG named after the test and name into
// $SESAME_SCREENSHOTS, when it is set.
func (e *env) screenshot(name string) {
	e.t.Helper()
	if shotsDir == "" {
		return
	}
	if err := e.saveShot(name); err != nil {
		e.t.Errorf("screenshot %s: %v", name, err)
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func (e *env) saveShot(name string) error {
	if shotsDir == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(e.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 = PNG
	if err != nil {
		return err
	}
	e.shots++
	file := fmt.Sprintf("%s-%02d-%s.png", unsafeName.ReplaceAllString(e.t.Name(), "_"), e.shots, unsafeName.ReplaceAllString(name, "_"))
	return os.WriteFile(filepath.Join(shotsDir, file), png, 0o644)
}

// noHorizontalOverflow fails the test if the page is wider than the phone
// viewport (content cut off or a sideways scroll at 390 px), naming the
// widest elements.
func (e *env) noHorizontalOverflow(pageName string) {
	e.t.Helper()
	wide := eval[[]string](e, `(() => {
		const w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= w) return [];
		return [...document.querySelectorAll("body *")]
			.filter(n => n.getBoundingClientRect().right > w + 0.5)
			.slice(0, 5)
			.map(n => n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + (n.className && typeof n.className === "string" ? "." + n.className.trim().split(/\s+/).join(".") : "") + " right=" + Math.round(n.getBoundingClientRect().right));
	})()`)
	if len(wide) > 0 {
		e.t.Errorf("%s overflows the %d px viewport: %s", pageName, viewWidth, strings.Join(wide, ", "))
	}
}

// consoleErrors returns the console errors and uncaught exceptions so far,
// except those matching one of the allowed patterns.
func (e *env) consoleErrors(allowed ...*regexp.Regexp) []string {
	var out []string
next:
	for _, m := range e.console.all() {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
			continue
		}
		s := m.String()
		if m.URL != "" {
			s += " (" + m.URL + ":" + strconv.FormatInt(m.Line+1, 10) + ")"
		}
		for _, re := range allowed {
			if re.MatchString(s) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// noConsoleErrors fails the test if the page logged an error or threw.
func (e *env) noConsoleErrors(allowed ...*regexp.Regexp) {
	e.t.Helper()
	if errs := e.consoleErrors(allowed...); len(errs) > 0 {
		e.t.Errorf("the browser console has %d error(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
}

// served reports how often the server answered path with status.
func (e *env) served(path string, status int) int { return e.requests.count(path, status) }

// requestLog records what the server answered.
type requestLog struct {
	mu   sync.Mutex
	reqs []servedRequest
}

type servedRequest struct {
	Method, Path string
	Status       int
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, servedRequest{r.Method, r.URL.Path, sw.status})
		l.mu.Unlock()
	})
}

func (l *requestLog) count(path string, status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if r.Path == path && r.Status == status {
			n++
		}
	}
	return n
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// consoleLog keeps the tab's console messages.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *consoleLog) add(m chromedp.ConsoleMessage) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *consoleLog) all() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.msgs...)
}

func (c *consoleLog) dump() string {
	var b strings.Builder
	for _, m := range c.all() {
		fmt.Fprintf(&b, "  %s", m)
		if m.URL != "" {
			fmt.Fprintf(&b, " (%s:%d)", m.URL, m.Line+1)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// call sends one DevTools command to the tab, bounded by stepTimeout.
func call[P, R any](e *env, cmd cdp.Command[P, R], params P) R {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, stepTimeout)
	defer cancel()
	r, err := chromedp.Call(ctx, cmd, params)
	if err != nil {
		e.t.Fatalf("browser: %s: %v (page %s)", cmd.Method, err, e.location())
	}
	return r
}
