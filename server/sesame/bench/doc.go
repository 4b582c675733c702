// Package bench measures the assembled edge server in-process, where a
// profiler can see it: the recovery request end to end over a real
// loopback listener or straight into the handler (with the mail outbox
// working or stalled), and the parts each request pays for: synced Badger
// commits, the rate limiter, the token store, the outbox scan, the mail
// rendering; and the raw Argon2id rate with the server's parameters and
// hashing slots (BenchmarkArgon2idServer), the ceiling of sign-in and
// password-set throughput. BenchmarkGroupCommit prototypes a suggestion;
// it is not server code.
//
// It holds benchmarks only. Their figures are quoted in reports, never
// asserted:
//
//	go test -run='^$' -bench=. ./server/sesame/bench
//	go test -run='^$' -bench='^BenchmarkRecovery$/^sync=on$' -benchtime=10s \
//	    -cpuprofile=cpu.prof -blockprofile=block.prof ./server/sesame/bench
//
// The load run of the real binary is server/cmd/loadgen; `make bench`
// runs both and assembles one report (server/cmd/benchreport).
package bench
