package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"sesame/server/config"
	"sesame/server/passhash"
	"sesame/shared/policy"
)

// BenchmarkArgon2idServer is the raw Argon2id rate of the server as the
// load run configures it: the parameters and the number of hashing slots
// (SESAME_HASHES_IN_FLIGHT) that config.Load gives the load run's
// environment, called from as many goroutines as the load run has
// clients, so the slots are always full. Nothing else runs: it is the
// ceiling of sign-in and password-set throughput, each of which spends one
// Argon2id computation per request (a verification costs a hash). The
// sub-benchmark's name carries the parameters.
func BenchmarkArgon2idServer(b *testing.B) {
	e := env(filepath.Join(b.TempDir(), "data"), true)
	cfg, err := config.Load(func(k string) string { return e[k] })
	if err != nil {
		b.Fatal(err)
	}
	p := cfg.HashParams()
	name := fmt.Sprintf("m=%d,t=%d,p=%d,slots=%d", p.Memory, p.Time, p.Threads, cfg.HashesInFlight)
	b.Run(name, func(b *testing.B) {
		h, err := passhash.New(p, cfg.HashesInFlight, policy.DefaultMaxBytes)
		if err != nil {
			b.Fatal(err)
		}
		pw := []byte(policy.Normalize("Bench12!pw"))
		var n atomic.Int64
		b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := h.Hash(context.Background(), pw); err != nil {
					b.Error(err)
					return
				}
				n.Add(1)
			}
		})
		b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "hashes/s")
	})
}
