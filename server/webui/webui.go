// Package webui serves Sésame's web app: the prerendered pages, go-app's own
// resources (app.js, wasm_exec.js), the service worker, the files of the web
// directory under /web/, and app.wasm, brotli-precompressed when the client
// accepts it.
//
// Handler wraps go-app v9.8.0's *app.Handler and takes over what it does not
// do well here:
//   - /app-worker.js: Sésame's own service worker (worker.go), for an app
//     that works offline: versioned precache of the app shell, navigations
//     falling back to the cached shell, /api/ never cached, and new
//     versions that wait for the page's « Mettre à jour »;
//   - /web/app.wasm (and go-app's aliases /app.wasm, /goapp.wasm): served from
//     app.wasm.br with Content-Encoding: br when the client accepts br and the
//     .br file is not older than app.wasm; X-Wasm-Content-Length gives the
//     raw size so go-app's loader shows a true progress;
//   - /manifest.webmanifest (and /manifest.json): ours, with French metadata
//     and the maskable icon (v9.8.0's app.Icon has no maskable field);
//   - /robots.txt, /sitemap.xml, /ads.txt: served from the web directory;
//     go-app would fetch them over HTTP from the request's Host header, which
//     the client controls, and cache the answer for everyone;
//   - /favicon.ico: the 32×32 PNG favicon;
//   - pages: unknown paths render the NotFound page with status 404 (go-app
//     answers 200), the viewport no longer blocks zooming, and the loader
//     badge is hidden from assistive technologies.
//
// Only GET and HEAD are allowed.
package webui

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/page"
)

// Options configures Handler.
type Options struct {
	// WebDir is the directory served under /web/: sesame.css, icons/,
	// app.wasm and app.wasm.br. Default "web".
	WebDir string

	// Version identifies the build (for example a git revision or a build
	// time). Required: go-app derives the ETag of every response and the
	// service worker's cache from it, and an empty version would make
	// go-app pick a new one at every start, forcing every client to update.
	// Change it whenever anything under WebDir or the app changes.
	Version string
}

// Fixed texts and colours of the app.
const (
	name        = "Sésame"
	title       = page.HomeTitle
	description = "Réinitialisez en sécurité le mot de passe de votre compte " +
		"sur les portails du service public."
	themeColor      = "#1d3f8f"
	backgroundColor = "#f4f6fb"
)

// Paths of the icons, relative to the site root.
const (
	iconSVG      = "/web/icons/icon.svg"
	icon192      = "/web/icons/icon-192.png"
	icon512      = "/web/icons/icon-512.png"
	iconMaskable = "/web/icons/maskable-512.png"
	favicon32    = "/web/icons/favicon-32.png"
)

// wasmSizeHeader carries the uncompressed size of app.wasm: go-app's loader
// counts decompressed bytes, so the compressed Content-Length would make its
// progress overshoot 100 %.
const wasmSizeHeader = "X-Wasm-Content-Length"

// Handler returns the http.Handler that serves the web app. It registers the
// pages' routes with go-app (page.Routes, idempotent). It panics if
// opts.Version is empty.
func Handler(opts Options) http.Handler {
	if opts.Version == "" {
		panic("webui: Options.Version is empty")
	}
	if opts.WebDir == "" {
		opts.WebDir = "web"
	}
	page.Routes()

	h := &handler{
		version:  opts.Version,
		dir:      opts.WebDir,
		goapp:    newGoApp(opts),
		wasm:     &wasmHandler{dir: opts.WebDir},
		manifest: manifest(),
	}
	h.worker = &worker{h: h}
	return h
}

func newGoApp(opts Options) *app.Handler {
	return &app.Handler{
		Name:            name,
		ShortName:       name,
		Title:           title,
		Description:     description,
		Lang:            "fr",
		ThemeColor:      themeColor,
		BackgroundColor: backgroundColor,
		LoadingLabel:    "Chargement {progress} %",
		Icon: app.Icon{
			Default: icon192,
			Large:   icon512,
			// Also the <link rel="icon">; without it go-app links a
			// remote SVG from GitHub.
			SVG: iconSVG,
		},
		RawHeaders: []string{
			`<link rel="icon" type="image/png" sizes="32x32" href="` + favicon32 + `">`,
		},
		Styles: []string{"/web/sesame.css"},
		// go-app's service worker is not served: ours (worker.go) has its
		// own precache list.
		Resources:               staticDir{dir: opts.WebDir},
		Version:                 opts.Version,
		WasmContentLengthHeader: wasmSizeHeader,
	}
}

type handler struct {
	version  string
	dir      string
	goapp    *app.Handler
	wasm     *wasmHandler
	worker   *worker
	manifest []byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Méthode non autorisée", http.StatusMethodNotAllowed)
		return
	}

	switch p := r.URL.Path; p {
	case "/web/app.wasm", "/app.wasm", "/goapp.wasm":
		h.wasm.ServeHTTP(w, r)
	case "/manifest.webmanifest", "/manifest.json":
		w.Header().Set("Content-Type", "application/manifest+json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", `"`+h.version+`-manifest"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.manifest))
	case "/robots.txt", "/sitemap.xml", "/ads.txt":
		serveFile(w, r, h.dir, strings.TrimPrefix(p, "/"), "")
	case "/favicon.ico":
		serveFile(w, r, h.dir, strings.TrimPrefix(favicon32, "/web/"), "image/png")
	case "/app-worker.js":
		h.worker.ServeHTTP(w, r)
	case "/app.js", "/goapp.js", "/wasm_exec.js", "/app.css":
		h.goapp.ServeHTTP(w, r)
	default:
		if strings.HasPrefix(p, "/web/") {
			h.goapp.ServeHTTP(w, r)
			return
		}
		h.servePage(w, r)
	}
}

// Fixes applied to every prerendered page. go-app prints attributes in map
// order, so the patterns do not depend on it.
var pageFixes = []struct {
	re  *regexp.Regexp
	new string
}{
	// go-app forbids zooming, which fails WCAG 1.4.4.
	{
		regexp.MustCompile(`content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=0, viewport-fit=cover"`),
		`content="width=device-width, initial-scale=1, viewport-fit=cover"`,
	},
	// The loader badge is decoration: the page behind it is readable.
	{regexp.MustCompile(`<aside( [^>]*id="app-wasm-loader"[ >])`), `<aside aria-hidden="true"$1`},
	{regexp.MustCompile(`<img( [^>]*id="app-wasm-loader-icon"[ >])`), `<img alt=""$1`},
}

// servePage lets go-app prerender the page, then fixes its markup and, for
// a path no page claims, its status.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{header: make(http.Header)}
	h.goapp.ServeHTTP(rec, r)

	body := rec.body.Bytes()
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	hdr := w.Header()
	for k, v := range rec.header {
		hdr[k] = v
	}
	if status == http.StatusOK && strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		for _, f := range pageFixes {
			body = f.re.ReplaceAll(body, []byte(f.new))
		}
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Length", strconv.Itoa(len(body)))
		if !page.Exists(r.URL.Path) {
			status = http.StatusNotFound
		}
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// recorder buffers a response of the go-app handler.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	return rec.body.Write(b)
}

// webManifest is the subset of the Web App Manifest Sésame uses.
type webManifest struct {
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Description     string         `json:"description"`
	Lang            string         `json:"lang"`
	Dir             string         `json:"dir"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	BackgroundColor string         `json:"background_color"`
	ThemeColor      string         `json:"theme_color"`
	Icons           []manifestIcon `json:"icons"`
}

type manifestIcon struct {
	Src     string `json:"src"`
	Type    string `json:"type"`
	Sizes   string `json:"sizes"`
	Purpose string `json:"purpose"`
}

func manifest() []byte {
	b, err := json.MarshalIndent(webManifest{
		Name:            name,
		ShortName:       name,
		Description:     description,
		Lang:            "fr",
		Dir:             "ltr",
		StartURL:        "/",
		Scope:           "/",
		Display:         "standalone",
		BackgroundColor: backgroundColor,
		ThemeColor:      themeColor,
		Icons: []manifestIcon{
			{Src: icon192, Type: "image/png", Sizes: "192x192", Purpose: "any"},
			{Src: icon512, Type: "image/png", Sizes: "512x512", Purpose: "any"},
			{Src: iconMaskable, Type: "image/png", Sizes: "512x512", Purpose: "maskable"},
			{Src: iconSVG, Type: "image/svg+xml", Sizes: "any", Purpose: "any"},
		},
	}, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// staticDir is go-app's ResourceProvider: the site root is the package and
// static root, and it serves /web/{name} from dir/{name}. go-app's own
// LocalDir takes the parent of web/ and turns it into a URL prefix, so it
// cannot serve an arbitrary directory.
type staticDir struct{ dir string }

func (staticDir) Package() string { return "" }
func (staticDir) Static() string  { return "" }
func (staticDir) AppWASM() string { return "/web/app.wasm" }

func (d staticDir) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/web/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveFile(w, r, d.dir, name, "")
}

// servedExt lists the extensions of the files served from the web directory:
// others (web/icons/gen.go, editor backups, …) stay private.
var servedExt = map[string]bool{
	".css": true, ".js": true, ".png": true, ".svg": true, ".ico": true,
	".wasm": true, ".br": true, ".txt": true, ".xml": true, ".json": true,
	".webmanifest": true, ".woff2": true,
}

// serveFile serves the regular file dir/name, or 404. It refuses names
// leaving dir (including through symbolic links), hidden files, directories
// (no listings) and extensions not in servedExt.
func serveFile(w http.ResponseWriter, r *http.Request, dir, name, contentType string) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" || strings.HasPrefix(name, ".") || strings.Contains(name, "/.") || !servedExt[path.Ext(name)] {
		http.NotFound(w, r)
		return
	}
	f, fi, err := openRegular(dir, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

var errNotRegular = errors.New("not a regular file")

// openRegular opens the regular file dir/name, confined to dir.
func openRegular(dir, name string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenInRoot(dir, name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, errNotRegular
	}
	return f, fi, nil
}
