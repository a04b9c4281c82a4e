# inkstone: the two commands a fresh clone needs are `make run` and `make test`.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/inkstone

.PHONY: run test build bench lint fuzz clean

## run: build the example site and serve it with live reload on http://127.0.0.1:8080
run: build
	$(BIN) serve --site .

## build: compile bin/inkstone
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/inkstone

## test: every test, race detector on, browser tests included
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

## bench: full-build time and memory, daemon post-to-live latency and memory,
## search index figures, at 1,000 and 10,000 posts; then the Go benchmarks
## (after: their temp folders, made and deleted by the thousand, slow file
## creation down for a minute or two on some file systems)
bench:
	$(GO) run ./internal/bench -sizes 1000,10000 -runs 3 -search
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 5x ./generator/...

## lint: gofmt, go vet and staticcheck
lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed on:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## fuzz: run each fuzz target briefly
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzMarkdown -fuzztime 30s ./generator/markdown
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./generator/content
	$(GO) test -run '^$$' -fuzz FuzzSlugify -fuzztime 30s ./generator/content
	$(GO) test -run '^$$' -fuzz FuzzClean -fuzztime 30s ./generator/images
	$(GO) test -run '^$$' -fuzz FuzzOrientation -fuzztime 30s ./generator/images
	$(GO) test -run '^$$' -fuzz FuzzParseQuery -fuzztime 30s ./generator/search
	$(GO) test -run '^$$' -fuzz FuzzASCIIWords -fuzztime 30s ./generator/search

clean:
	rm -rf bin public .inkstone
