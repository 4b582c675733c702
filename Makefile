# Sésame — `make serve` runs the product, `make test` runs every test.
GO        ?= go
FUZZTIME  ?= 30s
WASM      := web/app.wasm
BIN       := bin/sesame

.PHONY: serve build wasm server test vet bench fuzz clean

serve: build
	SESAME_DEV=$${SESAME_DEV:-1} ./$(BIN)

build: wasm server

wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WASM) ./app/wasm
	$(GO) run ./server/cmd/precompress $(WASM)

server:
	$(GO) build -trimpath -o $(BIN) ./server/cmd/sesame

vet:
	$(GO) vet ./...
	$(GO) vet -tags sesame_testhooks ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/... ./shared/...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	@! GOOS=js GOARCH=wasm $(GO) list -deps ./app/wasm | grep -q '^sesame/server' || (echo "the Wasm links server code"; exit 1)

# sesame_testhooks compiles the test-only hook that reads a captcha's answer;
# production builds never have it.
test: vet
	$(GO) test -count=1 -tags sesame_testhooks ./...

# Benchmarks. `make bench` runs every one and writes bench-report.md
# (5 to 9 minutes on 2 cores, depending on the machine's other work): the
# load runs of the real server (server/cmd/loadgen), every in-process Go
# benchmark, the policy check in Wasm under Node.js and the web app's
# sizes, assembled by server/cmd/benchreport. `make bench-scale` seeds a
# million accounts and live links and compares the runs on that database
# with a small one (bench-scale-report.md; about 4 minutes and 0.9 GB of
# disk while it runs). The scale runs go in this order because link-check
# uses links the seed wrote (a recovery supersedes them) and recovery
# leaves mail in the outbox that the next start would deliver. `make soak`
# holds 70% of the measured capacity for $(SOAK) (SOAK=60s for a check)
# and fails if the server's RSS grows 10% or more or any request fails.
# Work files go to $(BENCH_DIR)/.
BENCH_DIR       ?= .bench
BENCH_TIME      ?= 15s
BENCH_MAX       ?= 1000000
BENCH_GOFLAGS   ?= -benchtime=1s
BENCH_FAST      ?= recovery-employeur recovery-assure recovery-adherent link-check
BENCH_HASHED    ?= password-set sign-in change-password
SCALE_ACCOUNTS  ?= 1000000
SCALE_SCENARIOS ?= link-check sign-in recovery-employeur
SOAK            ?= 10m
LOADGEN         := bin/loadgen
GOROOT_DIR       = $(shell $(GO) env GOROOT)
WASM_EXEC        = $(firstword $(wildcard $(GOROOT_DIR)/lib/wasm/go_js_wasm_exec $(GOROOT_DIR)/misc/wasm/go_js_wasm_exec))
# step NAME CMD…: runs CMD, notes its seconds in $$d/timings, and a failure in $$fail.
STEP = step() { n=$$1; shift; t=$$(date +%s); "$$@" || { echo "FAILED: $$n" >&2; fail=1; }; echo "$$n $$(( $$(date +%s) - t ))" >> $$d/timings; }

.PHONY: bench bench-scale soak loadgen

loadgen:
	$(GO) build -o $(LOADGEN) ./server/cmd/loadgen

bench: server wasm loadgen
	@d=$(BENCH_DIR)/bench; rm -rf $$d && mkdir -p $$d; fail=0; $(STEP); \
	$(GO) test -c -o $$d/bench.test ./server/sesame/bench || exit 1; \
	argon2() { step "Argon2id raw rate ($$1)" $$d/bench.test -test.run='^$$' -test.bench=Argon2idServer -test.benchtime=5s > $$d/argon2-$$1.txt 2>&1; }; \
	run() { a=1000; [ $$1 = password-set ] && a=2500; \
	  step "loadgen $$1" ./$(LOADGEN) -server $(BIN) -scenario $$1 -accounts $$a -duration $(BENCH_TIME) -max-requests $(BENCH_MAX) \
	    -report $$d/loadgen.md -json $$d/runs.jsonl > /dev/null; }; \
	for s in $(BENCH_FAST); do run $$s; done; \
	argon2 before; for s in $(BENCH_HASHED); do run $$s; done; argon2 after; \
	echo "go test -bench=. ./... (1.5 to 5 minutes)…"; \
	step "go test -bench=. -benchmem ./..." $(GO) test -run='^$$' -bench=. -benchmem $(BENCH_GOFLAGS) ./... > $$d/go-bench.txt 2>&1; \
	grep -E '^(FAIL|panic)' $$d/go-bench.txt; \
	step "policy check in Wasm (Node.js)" env GOOS=js GOARCH=wasm $(GO) test -run='^$$' -bench=Check -benchmem \
	  -exec=$(WASM_EXEC) ./shared/policy > $$d/policy-wasm.txt 2>&1; \
	$(GO) run ./server/cmd/benchreport -o bench-report.md -runs $$d/runs.jsonl -details $$d/loadgen.md -gobench $$d/go-bench.txt \
	  -argon2 $$d/argon2-before.txt,$$d/argon2-after.txt -wasm-policy $$d/policy-wasm.txt -wasm $(WASM) -timings $$d/timings || fail=1; \
	exit $$fail

bench-scale: server loadgen
	@d=$(BENCH_DIR)/scale; rm -rf $$d && mkdir -p $$d; fail=0; $(STEP); \
	step "seed $(SCALE_ACCOUNTS) accounts and links" ./$(LOADGEN) -seed -data-dir $$d/data -secret-file $$d/secret \
	  -tokens-file $$d/tokens.txt -accounts $(SCALE_ACCOUNTS); \
	[ $$fail = 0 ] || exit 1; \
	du -sh $$d/data; \
	for s in $(SCALE_SCENARIOS); do \
	  step "loadgen $$s, small database" ./$(LOADGEN) -server $(BIN) -scenario $$s -duration $(BENCH_TIME) -max-requests $(BENCH_MAX) \
	    -report $$d/loadgen.md -json $$d/runs.jsonl > /dev/null; \
	  step "loadgen $$s, $(SCALE_ACCOUNTS) accounts" ./$(LOADGEN) -server $(BIN) -scenario $$s -duration $(BENCH_TIME) -max-requests $(BENCH_MAX) \
	    -data-dir $$d/data -secret-file $$d/secret -tokens-file $$d/tokens.txt -accounts $(SCALE_ACCOUNTS) \
	    -report $$d/loadgen.md -json $$d/runs.jsonl > /dev/null; \
	done; \
	$(GO) run ./server/cmd/benchreport -scale -o bench-scale-report.md -runs $$d/runs.jsonl -details $$d/loadgen.md \
	  -timings $$d/timings || fail=1; \
	rm -rf $$d/data; \
	exit $$fail

soak: server loadgen
	rm -f soak-report.md
	./$(LOADGEN) -server $(BIN) -scenario recovery-employeur -soak -rate-fraction 0.7 -probe 15s -duration $(SOAK) \
	  -report soak-report.md > /dev/null

# Fuzzing: `make fuzz` runs every fuzz target for $(FUZZTIME) (30 s by
# default), `make fuzz-ci` for 3 s each (CI, after `make test`). Each package
# that has targets gets one instrumented test binary (go test -c -fuzz),
# run once per target from the package's folder (its seed corpus, and where
# a failing input is written), with its fuzz cache in a temporary folder.
# Go 1.26's coordinator can fail a target with "context deadline exceeded"
# at the end of -fuzztime (go.dev/issue/75804, fixed in Go 1.27): such a
# failure, with no failing input written, is run again once.
.PHONY: fuzz-ci
fuzz-ci: FUZZTIME = 3s
fuzz fuzz-ci:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; t0=$$(date +%s); n=0; \
	run() { (cd "$$dir" && "$$bin" -test.run='^$$' -test.fuzz="^$$t$$" -test.fuzztime=$(FUZZTIME) \
	  -test.fuzzcachedir="$$tmp/cache/$$pkg") > "$$tmp/out" 2>&1; }; \
	for pd in $$($(GO) list -f '{{.ImportPath}}={{.Dir}}' ./...); do \
	  pkg=$${pd%%=*}; dir=$${pd#*=}; \
	  grep -qs '^func Fuzz' "$$dir"/*_test.go || continue; \
	  bin="$$tmp/$$(echo $$pkg | tr / _).test"; \
	  $(GO) test -c -fuzz=. -o "$$bin" $$pkg || exit 1; \
	  targets=$$(cd "$$dir" && "$$bin" -test.list '^Fuzz') || exit 1; \
	  for t in $$targets; do \
	    printf '%-40s %-28s ' "$$pkg" "$$t"; \
	    if ! run; then \
	      grep -q 'context deadline exceeded' "$$tmp/out" && ! grep -q 'Failing input' "$$tmp/out" && \
	        printf '(deadline race, again) ' && run || { echo FAIL; cat "$$tmp/out"; exit 1; }; \
	    fi; \
	    grep '^fuzz: elapsed' "$$tmp/out" | tail -1 | sed 's/^fuzz: //'; \
	    n=$$((n+1)); \
	  done; \
	done; \
	echo "$@: $$n fuzz targets, $(FUZZTIME) each, in $$(( $$(date +%s) - t0 )) s"

# Durability of the mail outbox on the real binary (server/cmd/crashtest):
# `make crash-test` SIGKILLs the server 20 times under recovery load,
# `make outage-test` stops the SMTP server for 20 s under load; both check
# that nothing accepted is lost (about 1.5 minutes each). `make test` runs
# short versions (3 kills, a 3 s outage: TestCrashShort, TestOutageShort).
.PHONY: crash-test outage-test
crash-test: server
	$(GO) run ./server/cmd/crashtest -bin $(BIN) -mode crash

outage-test: server
	$(GO) run ./server/cmd/crashtest -bin $(BIN) -mode outage

clean:
	rm -rf bin $(WASM) $(WASM).br

# Browser tests with a PNG of every screen they photograph, in screenshots/.
.PHONY: screenshots
screenshots:
	SESAME_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run 'Test' ./server/sesame/browser
