package main

import (
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"sesame/shared/identity"
)

func TestLoopbackHost(t *testing.T) {
	ok := map[string]string{
		"127.0.0.1":        "127.0.0.1",
		"127.3.2.1":        "127.3.2.1",
		"::1":              "::1",
		"[::1]":            "::1",
		"localhost":        "127.0.0.1",
		"LocalHost":        "127.0.0.1",
		"::ffff:127.0.0.1": "127.0.0.1",
	}
	for in, want := range ok {
		got, err := loopbackHost(in)
		if err != nil || got != want {
			t.Errorf("loopbackHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "128.0.0.1", "8.8.8.8", "2001:db8::1",
		"example.com", "localhost.example.com", "127.0.0.1:8000", "fe80::1%lo", "::1%lo", "127.0.0.1/8",
	} {
		if got, err := loopbackHost(in); err == nil {
			t.Errorf("loopbackHost(%q) = %q, want a refusal", in, got)
		}
	}
}

func TestParseArgsDefaults(t *testing.T) {
	o, err := parseArgs(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 20*time.Second || o.warmup != 2*time.Second || o.concurrency != 16 || o.accounts != 1000 ||
		o.scenario != "recovery-employeur" || o.host != "127.0.0.1" || !o.syncWrites || o.maxRequests != 0 {
		t.Errorf("defaults = %+v", o)
	}
}

func TestParseArgsBounds(t *testing.T) {
	good := [][]string{
		{"-duration", "30m"},
		{"-duration", "1s", "-warmup", "0s"},
		{"-concurrency", "1"},
		{"-concurrency", "1024"},
		{"-accounts", "1"},
		{"-max-requests", "1000"},
		{"-host", "localhost"},
		{"-host", "::1"},
		{"-scenario", "sign-in"},
		{"-scenario", "recovery-assure"},
		{"-scenario", "link-check"},
	}
	for _, args := range good {
		if _, err := parseArgs(args, io.Discard); err != nil {
			t.Errorf("parseArgs(%q): %v", args, err)
		}
	}
	bad := [][]string{
		{"-duration", "30m1s"},
		{"-duration", "0s"},
		{"-duration", "-5s"},
		{"-duration", "2s", "-warmup", "2s"},
		{"-warmup", "-1s"},
		{"-concurrency", "0"},
		{"-concurrency", "1025"},
		{"-accounts", "0"},
		{"-accounts", "1000001"},
		{"-max-requests", "-1"},
		{"-max-requests", "1000000001"},
		{"-mail-workers", "65"},
		{"-scenario", "nope"},
		{"-host", "10.0.0.1"},
		{"-host", "example.com"},
		{"-server", ""},
		{"stray"},
	}
	for _, args := range bad {
		if _, err := parseArgs(args, io.Discard); err == nil {
			t.Errorf("parseArgs(%q) accepted", args)
		}
	}
}

func TestNearestRank(t *testing.T) {
	for _, c := range []struct {
		q    float64
		n    uint64
		want uint64
	}{
		{0.5, 1, 1}, {0.5, 2, 1}, {0.5, 3, 2}, {0.5, 100, 50}, {0.99, 100, 99}, {0.999, 100, 100},
		{1, 100, 100}, {0.001, 100, 1}, {0, 100, 1}, {0.99, 0, 0},
	} {
		if got := nearestRank(c.q, c.n); got != c.want {
			t.Errorf("nearestRank(%v, %d) = %d, want %d", c.q, c.n, got, c.want)
		}
	}
}

func TestBucketsCoverValues(t *testing.T) {
	values := []uint64{0, 1, 127, 128, 129, 255, 256, 257, 511, 512, 1000, 123456, 1 << 40, 1<<63 - 1, 1 << 63, 1<<64 - 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		values = append(values, rng.Uint64()>>rng.IntN(64))
	}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d out of range", v, i)
		}
		low, width := bucketRange(i)
		if v < low || v-low >= width {
			t.Fatalf("value %d in bucket %d = [%d, %d+%d)", v, i, low, low, width)
		}
		if v >= subCount && float64(width)/float64(low) > 1.0/subCount {
			t.Fatalf("bucket %d: width %d for low %d is coarser than 1/%d", i, width, low, subCount)
		}
	}
}

func TestHistogramSmallValuesAreExact(t *testing.T) {
	var h histogram
	for v := range 100 {
		h.record(time.Duration(v + 1))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {0.999, 100}, {1, 100}, {0.01, 1}} {
		if got := h.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %d, want %d", c.q, got, c.want)
		}
	}
	if h.min != 1 || h.max != 100 || h.n != 100 || h.mean() != 50 {
		t.Errorf("min %d max %d n %d mean %d", h.min, h.max, h.n, h.mean())
	}
}

// The histogram's percentiles stay within 1/256 of the exact nearest-rank
// percentiles of the same samples.
func TestHistogramMatchesExactPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var samples []time.Duration
	var parts [4]histogram
	for i := range 200000 {
		// Log-normal-ish latencies from 50 µs to a few hundred ms.
		d := time.Duration(50_000 * (1 + rng.ExpFloat64()*rng.ExpFloat64()*20))
		samples = append(samples, d)
		parts[i%4].record(d)
	}
	var h histogram
	for i := range parts {
		h.merge(&parts[i])
	}
	slices.Sort(samples)
	if h.n != uint64(len(samples)) || h.min != samples[0] || h.max != samples[len(samples)-1] {
		t.Fatalf("n %d min %s max %s; want %d %s %s", h.n, h.min, h.max, len(samples), samples[0], samples[len(samples)-1])
	}
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
		exact, got := exactQuantile(samples, q), h.quantile(q)
		if diff := float64(got-exact) / float64(exact); diff > 1.0/256 || diff < -1.0/256 {
			t.Errorf("quantile(%v) = %s, exact %s (%.3f%% off)", q, got, exact, 100*diff)
		}
	}
}

func TestHistogramEmpty(t *testing.T) {
	var h histogram
	if h.quantile(0.99) != 0 || h.mean() != 0 {
		t.Error("an empty histogram should read 0")
	}
	var other histogram
	h.merge(&other)
	if h.n != 0 || h.min != 0 {
		t.Error("merging empty histograms should leave them empty")
	}
}

func TestParseProcStatus(t *testing.T) {
	status := "Name:\tsesame\nVmPeak:\t 1300000 kB\nVmHWM:\t   98765 kB\nVmRSS:\t   54321 kB\nRssAnon:\t   50000 kB\nRssFile:\t    4321 kB\nThreads:\t12\n"
	st, err := parseProcStatus([]byte(status))
	if err != nil || st.rssKiB != 54321 || st.hwmKiB != 98765 || st.anonKiB != 50000 || st.fileKiB != 4321 {
		t.Errorf("parseProcStatus = %+v, %v", st, err)
	}
	if _, err := parseProcStatus([]byte("Name:\tx\n")); err == nil {
		t.Error("a status without VmRSS should be refused")
	}
}

func TestParseProcStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := "4242 (ses (a) me) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 50 0 0 20 0 12 0 100 1000000 3000"
	d, err := parseProcStat([]byte(stat))
	if err != nil || d != 3*time.Second {
		t.Errorf("parseProcStat = %s, %v; want 3s (300 ticks)", d, err)
	}
	if _, err := parseProcStat([]byte("4242 (x) S 1 2")); err == nil {
		t.Error("a short stat line should be refused")
	}
}

func TestResetTokenFromQuotedPrintableMultipart(t *testing.T) {
	tok := "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"
	// A soft line break (=\r\n) in the middle of the token, as quoted-
	// printable wraps long lines.
	msg := "From: x@localhost\r\nTo: user1@bench.example\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=BOUND\r\n\r\n" +
		"--BOUND\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Cliquez : http://127.0.0.1:1/employeur/mot-de-passe/reinitialisation#" + tok[:20] + "=\r\n" + tok[20:] + "\r\n" +
		"--BOUND\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<a href=3D\"http://127.0.0.1:1/employeur/mot-de-passe/reinitialisation#" + tok + "\">x</a>\r\n--BOUND--\r\n"
	if got := resetToken([]byte(msg)); got != tok {
		t.Errorf("resetToken = %q, want %q", got, tok)
	}
	if got := resetToken([]byte("Subject: x\r\n\r\nno link here\r\n")); got != "" {
		t.Errorf("resetToken of a mail without link = %q", got)
	}
}

func TestBenchNIRsAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	accounts := map[int]bool{}
	for _, i := range []int{0, 1, 2, 49, 50, 599, 600, 998, 999, 1000, 16799, 16800, maxAccounts - 1} {
		accounts[i] = true
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		accounts[rng.IntN(maxAccounts)] = true
	}
	for i := range accounts {
		nir, birth := benchNIR(i)
		b, err := time.Parse(time.DateOnly, birth)
		if err != nil {
			t.Fatalf("account %d: birth %q: %v", i, birth, err)
		}
		if _, err := identity.ParseNIRWithBirthDate(nir, b); err != nil {
			t.Fatalf("account %d: NIR %s born %s: %v", i, nir, birth, err)
		}
		if seen[nir] {
			t.Fatalf("account %d: NIR %s given twice", i, nir)
		}
		seen[nir] = true
	}
}

func TestChildEnv(t *testing.T) {
	o, err := parseArgs([]string{"-gomemlimit", "120MiB", "-sync=true"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	inherited := []string{"PATH=/bin", "SESAME_CONFIG=/etc/sesame.json", "SESAME_DEV=0", "GOMEMLIMIT=1GiB", "GOGC=off", "HOME=/root"}
	env := childEnv(inherited, o, "127.0.0.1:9", "/tmp/d", "smtp://127.0.0.1:25?tls=none", "00", "tok")
	joined := "\n" + strings.Join(env, "\n") + "\n"
	for _, want := range []string{"PATH=/bin", "HOME=/root", "SESAME_DEV=1", "SESAME_SYNC_WRITES=on", "SESAME_CAPTCHA=off",
		"SESAME_ADDR=127.0.0.1:9", "SESAME_DATA_DIR=/tmp/d", "GOMEMLIMIT=120MiB", "SESAME_LIMIT_RECOVERY_PER_IP=100000000-H"} {
		if !strings.Contains(joined, "\n"+want+"\n") {
			t.Errorf("environment lacks %s", want)
		}
	}
	for _, gone := range []string{"SESAME_CONFIG=", "SESAME_DEV=0", "GOMEMLIMIT=1GiB", "GOGC="} {
		if strings.Contains(joined, "\n"+gone) {
			t.Errorf("environment keeps %s", gone)
		}
	}
}
