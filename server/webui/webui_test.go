package webui

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sesame/app/page"
	"sesame/shared/portal"
)

const testVersion = "test-1"

var (
	rawWasm = []byte("\x00asm fake raw app.wasm, longer than the compressed one")
	brWasm  = []byte("fake brotli bytes")
)

// fakeWebDir returns a web directory holding a fake app.wasm and, written
// after it, app.wasm.br.
func fakeWebDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app.wasm"), rawWasm)
	write(t, filepath.Join(dir, "app.wasm.br"), brWasm)
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "app.wasm"), old, old); err != nil {
		t.Fatal(err)
	}
	return dir
}

func write(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// get serves one request and returns the response and its body.
func get(t *testing.T, h http.Handler, method, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestWasmBrotli(t *testing.T) {
	h := Handler(Options{WebDir: fakeWebDir(t), Version: testVersion})

	for _, target := range []string{"/web/app.wasm", "/app.wasm"} {
		res, body := get(t, h, "GET", target, map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"})
		if res.StatusCode != 200 || body != string(brWasm) {
			t.Fatalf("GET %s br: %d %q, want the .br bytes", target, res.StatusCode, body)
		}
		for k, want := range map[string]string{
			"Content-Encoding": "br",
			"Content-Type":     "application/wasm",
			"Vary":             "Accept-Encoding",
			"Content-Length":   strconv.Itoa(len(brWasm)),
			wasmSizeHeader:     strconv.Itoa(len(rawWasm)),
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s br: %s = %q, want %q", target, k, got, want)
			}
		}
	}

	for _, ae := range []string{"", "gzip", "gzip, br;q=0", "*;q=0"} {
		res, body := get(t, h, "GET", "/web/app.wasm", map[string]string{"Accept-Encoding": ae})
		if res.StatusCode != 200 || body != string(rawWasm) {
			t.Fatalf("Accept-Encoding %q: %d %q, want the raw bytes", ae, res.StatusCode, body)
		}
		if ce := res.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", ae, ce)
		}
		if res.Header.Get("Content-Type") != "application/wasm" || res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: headers %v", ae, res.Header)
		}
	}

	// A range of the compressed bytes is never served: the whole file is.
	res, body := get(t, h, "GET", "/web/app.wasm", map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-3"})
	if res.StatusCode != 200 || body != string(brWasm) {
		t.Errorf("br with Range: %d %q", res.StatusCode, body)
	}

	// Revalidation answers 304 for the same representation only.
	res, _ = get(t, h, "GET", "/web/app.wasm", map[string]string{"Accept-Encoding": "br"})
	tag := res.Header.Get("ETag")
	if res, _ := get(t, h, "GET", "/web/app.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": tag}); res.StatusCode != 304 {
		t.Errorf("revalidation: %d, want 304", res.StatusCode)
	}
	if res, _ := get(t, h, "GET", "/web/app.wasm", map[string]string{"If-None-Match": tag}); res.StatusCode != 200 {
		t.Errorf("raw with the br ETag: %d, want 200", res.StatusCode)
	}
}

func TestWasmStaleOrMissing(t *testing.T) {
	dir := fakeWebDir(t)
	h := Handler(Options{WebDir: dir, Version: testVersion})

	// app.wasm rebuilt after the .br: the .br is stale.
	now := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "app.wasm"), now, now); err != nil {
		t.Fatal(err)
	}
	res, body := get(t, h, "GET", "/web/app.wasm", map[string]string{"Accept-Encoding": "br"})
	if body != string(rawWasm) || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("stale .br served: %q %v", body, res.Header)
	}

	// No .br at all.
	os.Remove(filepath.Join(dir, "app.wasm.br"))
	if _, body := get(t, h, "GET", "/web/app.wasm", map[string]string{"Accept-Encoding": "br"}); body != string(rawWasm) {
		t.Errorf("without .br: %q", body)
	}

	// Nothing built.
	os.Remove(filepath.Join(dir, "app.wasm"))
	if res, _ := get(t, h, "GET", "/web/app.wasm", nil); res.StatusCode != 404 {
		t.Errorf("without app.wasm: %d, want 404", res.StatusCode)
	}
}

func TestAcceptsBrotli(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"gzip":                 false,
		"br":                   true,
		"gzip, deflate, br":    true,
		"BR;q=0.5":             true,
		"br;q=0":               false,
		"br; q=0.0":            false,
		"*":                    true,
		"*, br;q=0":            false,
		"gzip;q=1, *;q=0":      false,
		"identity, *;q=0.1":    true,
		"brotli":               false,
		"gzip, deflate, br;q=": true,
	} {
		if got := acceptsBrotli(header); got != want {
			t.Errorf("acceptsBrotli(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestPrerender(t *testing.T) {
	h := Handler(Options{WebDir: fakeWebDir(t), Version: testVersion})

	res, body := get(t, h, "GET", "/", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	want := []string{
		`<html lang="fr">`,
		"<title>" + page.HomeTitle + "</title>",
		"<h1>" + page.HomeTitle + "</h1>",
		`href="/web/sesame.css"`,
		`href="/manifest.webmanifest"`,
		`href="/web/icons/icon.svg"`,
		`href="/web/icons/favicon-32.png"`,
		`content="width=device-width, initial-scale=1, viewport-fit=cover"`,
	}
	for _, p := range portal.Summaries() {
		want = append(want, p.Name, `href="/`+p.ID+`/connexion"`)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("GET / lacks %q", s)
		}
	}
	for _, re := range []string{
		`<aside aria-hidden="true"[^>]* id="app-wasm-loader"[ >]`,
		`<img alt=""[^>]* id="app-wasm-loader-icon"[ >]`,
	} {
		if !regexp.MustCompile(re).MatchString(body) {
			t.Errorf("GET / does not match %s", re)
		}
	}
	for _, s := range []string{"user-scalable", "githubusercontent", "https://"} {
		if strings.Contains(body, s) {
			t.Errorf("GET / contains %q", s)
		}
	}
	if !strings.Contains(body, "Compte ameli") {
		t.Errorf("GET / is not prerendered:\n%s", body)
	}

	res, body = get(t, h, "GET", "/nimporte/ou", nil)
	if res.StatusCode != 404 {
		t.Errorf("GET unknown path: %d, want 404", res.StatusCode)
	}
	if !strings.Contains(body, "<h1>"+page.NotFoundTitle+"</h1>") || !strings.Contains(body, `<html lang="fr">`) {
		t.Errorf("GET unknown path is not the prerendered NotFound page:\n%s", body)
	}

	res, body = get(t, h, "HEAD", "/", nil)
	if res.StatusCode != 200 || body != "" {
		t.Errorf("HEAD /: %d, %d bytes", res.StatusCode, len(body))
	}
	if res, _ := get(t, h, "POST", "/", nil); res.StatusCode != 405 {
		t.Errorf("POST /: %d, want 405", res.StatusCode)
	}
}

func TestManifest(t *testing.T) {
	h := Handler(Options{WebDir: fakeWebDir(t), Version: testVersion})
	for _, target := range []string{"/manifest.webmanifest", "/manifest.json"} {
		res, body := get(t, h, "GET", target, nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/manifest+json" {
			t.Fatalf("GET %s: %d %s", target, res.StatusCode, res.Header.Get("Content-Type"))
		}
		var m webManifest
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		if m.Name != "Sésame" || m.Lang != "fr" || m.StartURL != "/" {
			t.Errorf("manifest: %+v", m)
		}
		got := map[string]string{}
		for _, ic := range m.Icons {
			if !strings.HasPrefix(ic.Src, "/web/icons/") {
				t.Errorf("icon %q is not local", ic.Src)
			}
			got[ic.Src] = ic.Sizes + " " + ic.Purpose
		}
		for src, want := range map[string]string{
			icon192:      "192x192 any",
			icon512:      "512x512 any",
			iconMaskable: "512x512 maskable",
		} {
			if got[src] != want {
				t.Errorf("manifest icon %s = %q, want %q", src, got[src], want)
			}
		}
	}
}

// TestRealWebDir checks the committed web/ directory: every resource the
// service worker precaches exists (one 404 and the worker never installs),
// and the icons have the sizes the manifest claims.
func TestRealWebDir(t *testing.T) {
	h := Handler(Options{WebDir: "../../web", Version: testVersion})

	_, worker := get(t, h, "GET", "/app-worker.js", nil)
	m := regexp.MustCompile(`(?m)^const resourcesToCache = (\[.*\]);$`).FindStringSubmatch(worker)
	if m == nil {
		t.Fatalf("no resourcesToCache in app-worker.js:\n%s", worker)
	}
	var resources []string
	if err := json.Unmarshal([]byte(m[1]), &resources); err != nil {
		t.Fatal(err)
	}
	if len(resources) < 8 {
		t.Errorf("precache list too short: %v", resources)
	}
	for _, r := range resources {
		if r == "/web/app.wasm" {
			continue // a build output, absent from a fresh checkout
		}
		if res, _ := get(t, h, "GET", r, nil); res.StatusCode != 200 {
			t.Errorf("precached %s: %d", r, res.StatusCode)
		}
	}

	for path, size := range map[string]int{icon192: 192, icon512: 512, iconMaskable: 512, favicon32: 32} {
		res, body := get(t, h, "GET", path, nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		w, hgt := pngSize(t, body)
		if w != size || hgt != size {
			t.Errorf("%s is %d×%d, want %d×%d", path, w, hgt, size, size)
		}
	}

	res, body := get(t, h, "GET", "/favicon.ico", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || len(body) == 0 {
		t.Errorf("GET /favicon.ico: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func pngSize(t *testing.T, b string) (int, int) {
	t.Helper()
	if len(b) < 24 || b[:8] != "\x89PNG\r\n\x1a\n" || b[12:16] != "IHDR" {
		t.Fatal("not a PNG")
	}
	be := func(s string) int { return int(s[0])<<24 | int(s[1])<<16 | int(s[2])<<8 | int(s[3]) }
	return be(b[16:20]), be(b[20:24])
}

func TestStaticFiles(t *testing.T) {
	dir := fakeWebDir(t)
	write(t, filepath.Join(dir, "sesame.css"), []byte("body{}"))
	write(t, filepath.Join(dir, ".secret"), []byte("no"))
	write(t, filepath.Join(dir, "icons", "x.png"), []byte("png"))
	write(t, filepath.Join(dir, "icons", "gen.go"), []byte("package main"))
	write(t, filepath.Join(filepath.Dir(dir), "outside.txt"), []byte("no"))
	h := Handler(Options{WebDir: dir, Version: testVersion})

	if res, body := get(t, h, "GET", "/web/icons/x.png", nil); res.StatusCode != 200 || body != "png" {
		t.Errorf("GET /web/icons/x.png: %d %q", res.StatusCode, body)
	}
	res, body := get(t, h, "GET", "/web/sesame.css", nil)
	if res.StatusCode != 200 || body != "body{}" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /web/sesame.css: %d %q %s", res.StatusCode, body, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("ETag") != `"`+testVersion+`"` {
		t.Errorf("ETag %q, want the version", res.Header.Get("ETag"))
	}
	for _, target := range []string{"/web/", "/web/icons/", "/web/.secret", "/web/../outside.txt", "/web/%2e%2e/outside.txt", "/web/nope.css", "/web/icons/gen.go", "/robots.txt"} {
		if res, _ := get(t, h, "GET", target, nil); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", target, res.StatusCode)
		}
	}

	write(t, filepath.Join(dir, "robots.txt"), []byte("User-agent: *\n"))
	if res, body := get(t, h, "GET", "/robots.txt", map[string]string{"Host": "evil.example"}); res.StatusCode != 200 || body != "User-agent: *\n" {
		t.Errorf("GET /robots.txt: %d %q", res.StatusCode, body)
	}
}

func TestVersionRequired(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler accepted an empty version")
		}
	}()
	Handler(Options{})
}

// workerCacheName reads the cache name out of the service worker.
func workerCacheName(t *testing.T, h http.Handler) string {
	t.Helper()
	_, js := get(t, h, "GET", "/app-worker.js", nil)
	m := regexp.MustCompile(`(?m)^const cacheName = "([^"]+)";$`).FindStringSubmatch(js)
	if m == nil {
		t.Fatalf("no cacheName in app-worker.js:\n%s", js)
	}
	return m[1]
}

// The service worker is Sésame's: shell precached under a versioned cache,
// navigations falling back to it, the API left to the network, new
// versions waiting for the page.
func TestWorker(t *testing.T) {
	dir := fakeWebDir(t)
	write(t, filepath.Join(dir, "sesame.css"), []byte("body{}"))
	h := Handler(Options{WebDir: dir, Version: testVersion})

	res, js := get(t, h, "GET", "/app-worker.js", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET /app-worker.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", cc)
	}
	for _, want := range []string{
		`const resourcesToCache = ["/","/app.css","/app.js","/manifest.webmanifest","/wasm_exec.js","/web/app.wasm",`,
		`"/web/sesame.css"]`,
		`const networkOnly = ["/api/",`,
		`request.mode === "navigate"`,
		`cache.match(shell)`,
		`if (!self.registration.active)`,
		`event.data.type === "skip-waiting"`,
		`self.clients.claim()`,
		`caches.delete(key)`,
		`const navigationTimeout = 3000;`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("app-worker.js lacks %q", want)
		}
	}
	// go-app's worker activated every version at once: ours waits.
	if strings.Count(js, "skipWaiting()") != 2 {
		t.Errorf("skipWaiting must be called only for the first version and on the page's request:\n%s", js)
	}
	// Nothing but the precache is ever written to the cache.
	if n := strings.Count(js, "cache.put("); n != 1 {
		t.Errorf("%d cache.put calls, want the one that restores a precached asset", n)
	}
	if name := workerCacheName(t, h); !strings.HasPrefix(name, "sesame-"+testVersion+"-") {
		t.Errorf("cache name %q does not carry the version", name)
	}

	tag := res.Header.Get("ETag")
	if res, _ := get(t, h, "GET", "/app-worker.js", map[string]string{"If-None-Match": tag}); res.StatusCode != 304 {
		t.Errorf("revalidation: %d, want 304", res.StatusCode)
	}

	if node, err := exec.LookPath("node"); err == nil {
		f := filepath.Join(t.TempDir(), "app-worker.js")
		write(t, f, []byte(js))
		if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
			t.Errorf("app-worker.js is not valid JavaScript: %v\n%s", err, out)
		}
	}
}

// A new build makes a new worker (a new cache), even under the same
// version; nothing else does.
func TestWorkerVersions(t *testing.T) {
	dir := fakeWebDir(t)
	write(t, filepath.Join(dir, "sesame.css"), []byte("body{}"))
	h := Handler(Options{WebDir: dir, Version: testVersion})
	first := workerCacheName(t, h)
	if again := workerCacheName(t, h); again != first {
		t.Errorf("the cache name changes by itself: %s, %s", first, again)
	}
	if other := workerCacheName(t, Handler(Options{WebDir: dir, Version: "test-2"})); other == first {
		t.Error("a new version keeps the cache name")
	}

	later := time.Now().Add(2 * time.Hour)
	for _, name := range []string{"sesame.css", "app.wasm.br"} {
		before := workerCacheName(t, h)
		if err := os.Chtimes(filepath.Join(dir, name), later, later); err != nil {
			t.Fatal(err)
		}
		if after := workerCacheName(t, h); after == before {
			t.Errorf("rebuilding %s keeps the cache name %s", name, after)
		}
	}
}
