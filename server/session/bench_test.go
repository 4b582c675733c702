package session_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sesame/server/config"
	"sesame/server/passhash"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// inFlight is the server's default bound on concurrent hashes, used for
// both sides of the comparison.
var inFlight = config.Default().HashesInFlight

// BenchmarkSignIn measures successful sign-ins over real HTTP against the
// in-process server (Argon2id with passhash.DefaultParams, the default
// hashes in flight), with more clients than hashing slots.
func BenchmarkSignIn(b *testing.B) {
	e := sesametest.Start(b, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_LIMIT_SIGN_IN_PER_IP": "off"}, Quiet: true})
	e.ImportAccounts(b, demoAccounts()...)
	body := mustJSON(b, api.SignIn{Identifier: employMail, Password: employPass})
	url := e.URL + sessionPath("employeur")
	b.SetParallelism(4 * inFlight / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := e.HTTP.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("sign in: %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// BenchmarkArgon2id is the raw rate of the same verification: the same
// parameters and the same bound on hashes in flight, no HTTP, no store.
func BenchmarkArgon2id(b *testing.B) {
	h, err := passhash.New(passhash.DefaultParams, inFlight, 4096)
	if err != nil {
		b.Fatal(err)
	}
	phc, err := h.Hash(context.Background(), []byte(employPass))
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4 * inFlight / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := h.Verify(context.Background(), phc, []byte(employPass)); !ok || err != nil {
				b.Errorf("verify: %v %v", ok, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// TestSignInThroughputRatio runs both benchmarks, interleaved for
// SESAME_BENCH_ROUNDS rounds (default 3, so that a noisy machine hurts both
// sides alike), and reports each rate and the median ratio
// (SESAME_BENCH_RATIO=1; benchmark territory, never a timed unit test).
func TestSignInThroughputRatio(t *testing.T) {
	if os.Getenv("SESAME_BENCH_RATIO") == "" {
		t.Skip("set SESAME_BENCH_RATIO=1")
	}
	rounds, _ := strconv.Atoi(os.Getenv("SESAME_BENCH_ROUNDS"))
	if rounds < 1 {
		rounds = 3
	}
	t.Logf("GOMAXPROCS=%d hashes in flight=%d params=%+v", runtime.GOMAXPROCS(0), inFlight, passhash.DefaultParams)
	var ratios []float64
	for i := range rounds {
		raw := testing.Benchmark(BenchmarkArgon2id)
		web := testing.Benchmark(BenchmarkSignIn)
		hashes := float64(raw.N) / raw.T.Seconds()
		signins := float64(web.N) / web.T.Seconds()
		ratios = append(ratios, signins/hashes)
		t.Logf("round %d: raw Argon2id %.1f hashes/s (%d in %v); HTTP sign-in %.1f sign-ins/s (%d in %v); ratio %.3f",
			i+1, hashes, raw.N, raw.T.Round(time.Millisecond), signins, web.N, web.T.Round(time.Millisecond), signins/hashes)
	}
	slices.Sort(ratios)
	t.Logf("median ratio sign-in/raw: %.3f", ratios[len(ratios)/2])
}

// TestPeakRSS500 measures the peak resident memory of the process (server
// and clients together) while 500 sign-ins run at once: 250 right
// passwords, 250 unknown identifiers (SESAME_RSS_TEST=1; SESAME_RSS_N
// changes the count).
func TestPeakRSS500(t *testing.T) {
	if os.Getenv("SESAME_RSS_TEST") == "" {
		t.Skip("set SESAME_RSS_TEST=1")
	}
	n := 500
	if v, err := strconv.Atoi(os.Getenv("SESAME_RSS_N")); err == nil && v > 0 {
		n = v
	}
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_LIMIT_SIGN_IN_PER_IP": "off"}, Quiet: true})
	e.ImportAccounts(t, demoAccounts()...)
	e.HTTP.Timeout = 5 * time.Minute
	url := e.URL + sessionPath("employeur")
	bodies := make([][]byte, n)
	for i := range bodies {
		if i%2 == 0 {
			bodies[i] = mustJSON(t, api.SignIn{Identifier: employMail, Password: employPass})
		} else {
			bodies[i] = mustJSON(t, api.SignIn{Identifier: fmt.Sprintf("inconnu%d@example.fr", i), Password: employPass})
		}
	}
	// First the raw hasher alone: n verifications at once, same bound.
	h, err := passhash.New(passhash.DefaultParams, inFlight, 4096)
	if err != nil {
		t.Fatal(err)
	}
	phc, err := h.Hash(context.Background(), []byte(employPass))
	if err != nil {
		t.Fatal(err)
	}
	rawBefore := resetPeak(t)
	rawStart := time.Now()
	var rawWG sync.WaitGroup
	for range n {
		rawWG.Go(func() { _, _, _ = h.Verify(context.Background(), phc, []byte(employPass)) })
	}
	rawWG.Wait()
	rawTook, rawPeak := time.Since(rawStart), procStatus(t, "VmHWM")
	t.Logf("raw Argon2id, %d concurrent verifications in %v: RSS before %d MiB, peak %d MiB", n, rawTook.Round(time.Millisecond), rawBefore>>10, rawPeak>>10)

	// Then the server: one warm-up request, then a clean slate for the peak.
	if r := try(t, e, "employeur", employMail, employPass); r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	before := resetPeak(t)
	var wg sync.WaitGroup
	var ok, unauthorized, shed, other, failed atomic.Int64
	startGate := make(chan struct{})
	began := time.Now()
	for i := range n {
		wg.Go(func() {
			<-startGate
			res, err := e.HTTP.Post(url, "application/json", bytes.NewReader(bodies[i]))
			if err != nil {
				if failed.Add(1) == 1 {
					t.Errorf("first transport error: %v", err)
				}
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusUnauthorized:
				unauthorized.Add(1)
			case http.StatusServiceUnavailable:
				// Shed after waiting the server's bound for a hashing
				// slot: a slow or busy machine drains fewer than n in time.
				shed.Add(1)
			default:
				other.Add(1)
			}
		})
	}
	close(startGate)
	wg.Wait()
	took := time.Since(began)
	peak := procStatus(t, "VmHWM")
	t.Logf("%d concurrent sign-ins in %v (%.1f/s): %d ok, %d unauthorized, %d shed (503), %d other, %d transport errors",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), ok.Load(), unauthorized.Load(), shed.Load(), other.Load(), failed.Load())
	t.Logf("RSS before %d MiB, peak (VmHWM) %d MiB, growth %d MiB; bound from hashing: %d in flight × %d MiB = %d MiB",
		before>>10, peak>>10, (peak-before)>>10, inFlight, passhash.DefaultParams.Memory>>10, inFlight*int(passhash.DefaultParams.Memory>>10))
	if other.Load() != 0 || ok.Load() > int64(n-n/2) || unauthorized.Load() > int64(n/2) || ok.Load()+unauthorized.Load()+shed.Load() != int64(n) {
		t.Errorf("unexpected answers")
	}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resetPeak collects garbage, resets VmHWM and returns VmRSS (kB).
func resetPeak(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset VmHWM (%v): the peak includes what came before", err)
	}
	return procStatus(t, "VmRSS")
}

// procStatus reads a kB field of /proc/self/status.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}
