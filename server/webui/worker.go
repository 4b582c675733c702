package webui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"text/template"
	"time"

	"sesame/app/offline"
)

// The service worker is Sésame's own, served at /app-worker.js, the path
// go-app's app.js registers. go-app's worker precaches a list and "/" but
// answers every other navigation from the network, so a deep link opened
// offline fails, and it activates each new version at once, behind the
// page's back. Ours:
//
//   - precaches the app shell under a cache named after the version and a
//     fingerprint of what it precaches (so that a rebuilt app.wasm or CSS
//     makes a new worker even when Options.Version stays the same);
//   - answers navigations from the network, falling back after
//     navigationTimeout, or at once when the network fails, to the cached
//     shell ("/", prerendered): the Wasm then renders the route of
//     location.pathname, so every page opens offline;
//   - answers the precached assets from its cache (cache first);
//   - never answers, and never caches, anything else: /api/ (answers carry
//     secrets), /dev/, the probes, captcha images go to the network as if
//     there were no worker (where the browser has static routes,
//     event.addRoutes, networkOnly does not even wake the worker); nothing is
//     ever cached at run time but a precached asset missing from the cache;
//   - installs the first version at once, and lets a new version wait until
//     the page asks it to take over (offline.UpdatePrompt's « Mettre à
//     jour » posts {type: "skip-waiting"}); on activation it deletes every
//     other cache and claims the open pages.

// precache lists what the worker stores at install: the app shell. Every
// entry must answer 200, or the worker does not install.
var precache = []string{
	"/",
	"/app.css",
	"/app.js",
	"/manifest.webmanifest",
	"/wasm_exec.js",
	"/web/app.wasm",
	favicon32,
	icon192,
	icon512,
	iconSVG,
	iconMaskable,
	"/web/sesame.css",
}

// networkOnly lists the path prefixes the worker leaves alone, even for a
// navigation.
var networkOnly = []string{"/api/", "/dev/", "/healthz", "/readyz", "/metrics", "/robots.txt", "/sitemap.xml"}

// navigationTimeout is how long a navigation waits for the network before
// the cached shell answers.
const navigationTimeout = 3 * time.Second

// worker builds and serves /app-worker.js.
type worker struct {
	h *handler

	once   sync.Once
	static string // hash of the generated resources and the shell
}

func (wk *worker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := wk.script()
	sum := sha256.Sum256(body)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/javascript; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", `"sw-`+hex.EncodeToString(sum[:8])+`"`)
	hdr.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// cacheName is the name of the worker's cache for a fingerprint.
func cacheName(version, fingerprint string) string {
	return "sesame-" + version + "-" + fingerprint
}

// script returns the worker's source.
func (wk *worker) script() []byte {
	fp := wk.fingerprint()
	var b bytes.Buffer
	if err := workerTemplate.Execute(&b, map[string]string{
		"CacheName":         jsString(cacheName(wk.h.version, fp)),
		"ResourcesToCache":  jsString(precache),
		"NetworkOnly":       jsString(networkOnly),
		"Shell":             jsString("/"),
		"NavigationTimeout": fmt.Sprint(navigationTimeout.Milliseconds()),
		"SkipWaiting":       jsString(offline.SkipWaitingMessage),
	}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// fingerprint hashes what the worker precaches: the resources generated in
// memory (go-app's scripts, the manifest, the prerendered shell; hashed
// once) and the size and time of every precached file of the web directory
// (stat at each request, so that a rebuilt app.wasm is seen at once).
func (wk *worker) fingerprint() string {
	wk.once.Do(func() {
		s := sha256.New()
		for _, p := range precache {
			if strings.HasPrefix(p, "/web/") {
				continue
			}
			rec := &recorder{header: make(http.Header)}
			req, err := http.NewRequest(http.MethodGet, p, nil)
			if err != nil {
				panic(err)
			}
			req.Host = "localhost"
			wk.h.ServeHTTP(rec, req)
			fmt.Fprintf(s, "%s %d %d\n", p, rec.status, rec.body.Len())
			s.Write(rec.body.Bytes())
		}
		wk.static = hex.EncodeToString(s.Sum(nil))
	})
	s := sha256.New()
	fmt.Fprintln(s, wk.static)
	for _, p := range precache {
		name, ok := strings.CutPrefix(p, "/web/")
		if !ok {
			continue
		}
		names := []string{name}
		if name == "app.wasm" {
			names = append(names, "app.wasm.br")
		}
		for _, n := range names {
			f, fi, err := openRegular(wk.h.dir, n)
			if err != nil {
				fmt.Fprintf(s, "%s missing\n", n)
				continue
			}
			f.Close()
			fmt.Fprintf(s, "%s %d %d\n", n, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(s.Sum(nil))[:16]
}

// jsString is v as a JavaScript literal (JSON, with <, > and & escaped).
func jsString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var workerTemplate = template.Must(template.New("app-worker.js").Parse(`// Sésame's service worker, generated by server/webui (worker.go).
"use strict";

const cacheName = {{.CacheName}};
const resourcesToCache = {{.ResourcesToCache}};
const networkOnly = {{.NetworkOnly}};
const shell = {{.Shell}};
const navigationTimeout = {{.NavigationTimeout}};
const precached = new Set(resourcesToCache);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // Where the browser knows static routes, what the worker leaves alone
    // goes to the network without waking it up.
    if (event.addRoutes && self.URLPattern) {
      try {
        await event.addRoutes(networkOnly.map((prefix) => ({
          condition: { urlPattern: new URLPattern({ pathname: prefix + "*" }) },
          source: "network",
        })));
      } catch (err) {
        // The fetch handler below leaves them alone all the same.
      }
    }
    const cache = await caches.open(cacheName);
    // Straight from the server, past the HTTP cache.
    await cache.addAll(resourcesToCache.map((url) => new Request(url, { cache: "reload" })));
    // The first version takes over at once; a new one waits for the page
    // to ask (« Mettre à jour »).
    if (!self.registration.active) {
      await self.skipWaiting();
    }
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === {{.SkipWaiting}}) {
    self.skipWaiting();
  }
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keys = await caches.keys();
    await Promise.all(keys.filter((key) => key !== cacheName).map((key) => caches.delete(key)));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (networkOnly.some((prefix) => url.pathname.startsWith(prefix))) {
    return; // never answered from, nor written to, the cache
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
    return;
  }
  if (url.search === "" && precached.has(url.pathname)) {
    event.respondWith(cacheFirst(request, url.pathname));
  }
  // Anything else goes to the network, untouched.
});

// navigate answers a page: the network if it answers in time, else the
// cached shell, which renders the route of location.pathname once the app
// has loaded.
async function navigate(request) {
  const network = fetch(request);
  network.catch(() => {});
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, navigationTimeout, null);
  });
  try {
    const response = await Promise.race([network, late]);
    if (response) {
      return response;
    }
  } catch (err) {
    // No network: the shell answers.
  } finally {
    clearTimeout(timer);
  }
  const cache = await caches.open(cacheName);
  const cached = await cache.match(shell);
  return cached || network;
}

// cacheFirst answers a precached asset from the cache (the network if it
// went missing, putting it back).
async function cacheFirst(request, path) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(path, { ignoreVary: true });
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    cache.put(path, response.clone()).catch(() => {});
  }
  return response;
}
`))
