# procurehub — entry points. `make run` needs no service; `make test` starts
# the local services its integration tests need (PostgreSQL 15).

GO        ?= go
BIN       := bin/procurehub
PKGS      := ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1x
export PROCUREHUB_TEST_POSTGRES_DSN ?= postgres://procurehub:procurehub@127.0.0.1:5432/procurehub?sslmode=disable

.PHONY: run demo build test test-short services lint fuzz bench bench-xlsx bench-e2e bench-tracking chaos docs docs-check schema-check config-lint ci clean

## run: the hub on embedded defaults (in-process Kafka-protocol broker, SQLite under ./var, demo partner files)
run: build
	./$(BIN) run

## demo: a simulated procurement year (200 orders) through an in-process hub, KPIs beside a manual-process baseline
demo:
	$(GO) run ./cmd/procurehub simulate --orders 200 --seed 1

## build: the one binary, into bin/
build:
	$(GO) build -o $(BIN) ./cmd/procurehub

## test: every test, with -race and shuffled order, after starting PostgreSQL
test: services
	$(GO) test -race -shuffle=on -count=1 -timeout 20m $(PKGS)

## test-short: unit tests only, no services
test-short:
	$(GO) test -short -count=1 $(PKGS)

## services: start the local PostgreSQL 15 cluster and create the test role and database (root only; otherwise leaves it alone)
services:
	@sh .ci/services.sh

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)

## fuzz: run every fuzz target for FUZZTIME each; prints package, target, time and result
## (ok, or FAIL with the crasher under testdata/fuzz) per target and a summary; fails on a finding
fuzz:
	$(GO) run ./internal/tools/fuzzall -go $(GO) -fuzztime $(FUZZTIME) -fuzzminimizetime 3s $(PKGS)

## bench: Go benchmarks of the parts, the XLSX report, then the end-to-end benchmark against psql \copy
bench: services
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem ./canonical/... ./connectors/... ./internal/kafka/... ./internal/store/...
	$(MAKE) bench-xlsx
	$(MAKE) bench-e2e
	$(MAKE) bench-tracking

## bench-xlsx: a 200,000-row XLSX → canonical orders beside excelize's own row iteration; peak RSS
bench-xlsx:
	$(GO) run ./internal/tools/benchxlsx

## bench-tracking: carrier webhook → event visible on GET /api/v1/orders/{n}, p50/p99 at 500 events/s (embedded)
bench-tracking:
	$(GO) run ./internal/tools/benchtracking -rate $${BENCH_RATE:-500} -duration $${BENCH_DURATION:-10s}

## chaos: kill -9 the hub mid-ingest (CHAOS_KILLS times), take the broker and PostgreSQL down, run three hubs and kill one; fails on any order lost or doubled
chaos: services
	$(GO) run ./internal/tools/chaos -orders $${CHAOS_ORDERS:-100000} -kills $${CHAOS_KILLS:-20}

## bench-e2e: 1,000,000 order lines CSV → parse → Kafka (kfake) → PostgreSQL, compared with psql \copy
bench-e2e: services
	$(GO) run ./internal/tools/benche2e -lines $${BENCH_LINES:-1000000}

## docs: regenerate JSON Schemas and connector docs under docs/
docs:
	$(GO) run ./internal/tools/docgen -out docs

## docs-check: fail when docs/ is stale
docs-check:
	$(GO) run ./internal/tools/docgen -out docs -check

## schema-check: fail on a breaking change of a canonical topic's JSON Schema against docs/schemas/baseline/
schema-check:
	$(GO) run ./internal/tools/schemacompat

## config-lint: check every hub config in configs/ (warnings.yaml and notifications.yaml through production.yaml)
config-lint: build
	@for f in $$(ls configs/*.yaml | grep -v -e configs/warnings.yaml -e configs/notifications.yaml); do \
	  PROCUREHUB_KAFKA_BROKERS=localhost:9092 PROCUREHUB_POSTGRES_DSN=postgres://u:p@localhost/db \
	  SHENZHEN_SFTP_PASSWORD=example ACME_FTP_PASSWORD=example COMMERZBANK_SFTP_PASSWORD=example \
	  AFTERSHIP_WEBHOOK_SECRET=example EASYPOST_AUTHORIZATION=example SEAFREIGHT_API_KEY=example \
	  PROCUREHUB_OPS_WEBHOOK_SECRET=example PROCUREHUB_SMTP_PASSWORD=example ./$(BIN) config check $$f || exit 1; \
	done

## ci: what .ci/run runs after starting services
ci: lint docs-check schema-check config-lint test

clean:
	rm -rf bin var
