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

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list='^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin $(WASM) $(WASM).br

# Browser tests with a PNG of every screen they photograph, in screenshots/.
.PHONY: screenshots
screenshots:
	SESAME_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run 'Test' ./server/sesame/browser
