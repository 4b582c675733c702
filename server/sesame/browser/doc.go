// Package browser holds Sésame's browser tests: the real server, started
// in-process, driven through a real headless Chromium (chromedp), with mail
// delivered over real SMTP to a sink the test starts.
//
// TestMain builds the Wasm app once per test binary and starts one Chromium;
// every test gets its own server, mail sink and tab (a fresh browser context,
// so no cookie, storage or service worker leaks between tests), sized as a
// phone (390×844 CSS pixels).
//
// Chromium is /usr/bin/chromium, or $SESAME_CHROMIUM. Without it the tests
// skip, unless CI is set: then they fail, because they must run in CI.
// $SESAME_SCREENSHOTS names a directory that receives a PNG of every screen a
// test photographs (`make screenshots`). $SESAME_AXE overrides the path of
// axe.min.js (default .ci/node/node_modules/axe-core/axe.min.js, installed by
// .ci/run).
package browser
