package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/pipelines"
)

// samplesDir holds the canonical sample records; docgen runs from the
// repository root (make docs), so the path is relative to it.
const samplesDir = "canonical/testdata"

// topicDoc is what a consumer needs to know about one topic beyond what the
// code can tell: what it carries and how it is keyed, in words.
type topicDoc struct {
	carries string // one or two sentences
	key     string // what the Kafka key (partition key) is
	keyCol  string // the same, short, for the summary table
	// For topics whose payload is not a canonical record: the ce_type
	// values, and an example payload (a Go value, marshalled here so that
	// it cannot drift from the type).
	ceTypes []string
	example any
	headers string // headers beyond the common ones, if any
	notes   string
}

// topicDocs documents every topic of pipelines.AllTopics(). A topic missing
// here fails docgen, so a new topic cannot ship undocumented.
var topicDocs = map[string]topicDoc{
	pipelines.TopicOrders: {
		keyCol:  "order number",
		carries: "Purchase orders as connectors decoded them (EDI, XLSX/CSV exports, UBL, demand planning), one message per order. The store sink upserts them on (buyer, order number) with a content hash.",
		key:     "the order number (`order_number`).",
		headers: "`partner`, `file`, `file_sha256` (the input the order came from).",
	},
	pipelines.TopicOrderResponses: {
		keyCol:  "order number",
		carries: "Supplier order responses (acknowledgements, changes, rejections), from partner files and from the API's supplier actions.",
		key:     "the order number the response answers.",
		headers: "`partner`, `file`, `file_sha256`; `idempotency_key` when it came through the API with one.",
	},
	pipelines.TopicOrderEvents: {
		keyCol:  "order number",
		carries: "The timeline of each order: progress reports from partners, API actions (confirm, notes), amendments. One message per event; `event_id` is unique.",
		key:     "the order number (`order_number`), so an order's events stay in order.",
		headers: "`partner`, `file`, `file_sha256` when from a file; `idempotency_key` when from the API with one.",
	},
	pipelines.TopicShipments: {
		keyCol:  "shipment id",
		carries: "Shipment notices (despatch advices, ASNs) with their lines and the orders they ship.",
		key:     "the shipment id (`shipment_id`).",
		headers: "`partner`, `file`, `file_sha256`.",
	},
	pipelines.TopicTrackingEvents: {
		keyCol:  "tracking number",
		carries: "Carrier tracking events, polled or pushed by webhooks, with the carrier's status mapped to a canonical one (see [tracking-statuses.md](tracking-statuses.md)).",
		key:     "the tracking number (`tracking_number`).",
		headers: "`partner` (the carrier endpoint), `file`, `file_sha256`.",
	},
	pipelines.TopicInvoices: {
		keyCol:  "invoice number",
		carries: "Supplier invoices and credit notes with their lines, taxes and totals.",
		key:     "the invoice number (`invoice_number`).",
		headers: "`partner`, `file`, `file_sha256`.",
	},
	pipelines.TopicBankStatements: {
		keyCol:  "account (IBAN, else number)",
		carries: "Whole bank statements (CAMT.053/052, MT940, BAI2) with opening and closing balances and the hub's balance check. The statement sink stores them and raises a `balance_mismatch` alert when they do not add up.",
		key:     "the account: its IBAN, or its number when it has none.",
		headers: "`partner`, `file`, `file_sha256`.",
		notes:   "Account numbers are in the payload: treat the topic as sensitive.",
	},
	pipelines.TopicBankTransactions: {
		keyCol:  "account (IBAN, else number)",
		carries: "The same statements entry by entry: one message per booked entry, with its statement id, position (`entry_index` of `entry_count`) and account, for reconciliation and cash analytics that read payments one at a time. Published right after the statement it comes from.",
		key:     "the account (IBAN, else number), the same as its statement's, so an account's entries keep their order.",
		headers: "`partner`, `file`, `file_sha256`.",
		notes:   "A business key for deduplication is (`statement_id`, account, `entry_index`). Account numbers are in the payload: treat the topic as sensitive.",
	},
	pipelines.TopicCatalog: {
		keyCol:  "supplier id/sku",
		carries: "Supplier catalog items: SKU, unit, pack size, MOQ, capacity, lead time and price list.",
		key:     "`<supplier id>/<sku>`.",
		headers: "`partner`, `file`, `file_sha256`.",
	},
	pipelines.TopicAlerts: {
		keyCol:  "partner",
		carries: "Things a person should look at: balance mismatches, unreachable and recovered sources, orders needing review, settlement risks, early warnings. Not a canonical type: the payload is `pipelines.Alert`. `alert_id` is deterministic, so one condition alerts once however often it is published.",
		key:     "the partner the alert is about (empty for hub-wide alerts).",
		ceTypes: []string{"procurehub.alert.v1"},
		headers: "`partner`; `ce_source` is `procurehub/pipelines`.",
		example: pipelines.Alert{ID: "balance_mismatch-3f9a2c", Kind: pipelines.AlertBalanceMismatch, Severity: pipelines.SeverityCritical,
			Partner: "commerzbank", Subject: "statement 2026-04-02 of account DE89****3000",
			Message: "opening 1000.00 + entries 250.00 != closing 1200.00", Action: "Ask the bank for a corrected statement.",
			OccurredAt: time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC), Data: map[string]string{"statement_id": "2026-04-02"}},
	},
	pipelines.TopicRejects: {
		keyCol:  "partner, or order number",
		carries: "What was not taken, and why. Two payloads, told apart by `ce_type`: a row of a carrier webhook delivery that could not be decoded (`pipelines.Reject`, with the row error's file, line, field, code and message), and an order that failed validation (`pipelines.OrderReject`, with its findings; the order is stored but held in review).",
		key:     "the partner for row rejects; the order number for order rejects.",
		ceTypes: []string{pipelines.CETypeRowReject, pipelines.CETypeOrderReject},
		headers: "`partner`.",
		example: pipelines.Reject{Partner: "aftership", Input: "webhook-2026-04-02T08:31:00Z",
			RowError: connectors.RowError{Line: 1, Field: "events[0].occurred_at", Code: "invalid_date", Message: `"yesterday" is not a date`}},
	},
	pipelines.TopicPoison: {
		keyCol:  "the original key",
		carries: "Messages a handler failed on after its last retry (or at once, for a permanent error such as a payload that does not decode). The message is the original one, payload and headers unchanged, so it can be replayed to its topic once the cause is fixed; the partition it came from moved on.",
		key:     "the original message's key.",
		ceTypes: []string{"the original message's"},
		headers: "the original headers, plus `reason_poisoned` (the error), `topic_poisoned`, `handler_poisoned`, `partition_poisoned` and `offset_poisoned` (where it was read).",
		notes:   "Analytics should not read it as data: it is for operators. A rising count here (metric `procurehub_poison_messages_total`) means a handler or a payload needs a fix.",
	},
	pipelines.TopicTrackingWebhooks: {
		keyCol:  "body hash",
		carries: "Internal: carrier webhook deliveries as received and verified, before decoding. The receiver publishes a body here before it answers 202, so an answered delivery is never lost; the webhook decoder turns it into tracking events. The payload is the carrier's own JSON, not canonical.",
		key:     "the first 8 bytes of the body's SHA-256, in hex: deliveries spread over the partitions, since their order does not matter.",
		ceTypes: []string{"none (no `ce_type` header)"},
		headers: "`webhook_endpoint`, `partner` (the endpoint name), `received_at`.",
		notes:   "Read `procurehub.tracking-events.v1` instead: it has the same events, decoded and deduplicated.",
	},
}

// newRecord returns a value to decode a canonical sample of a record type
// into, so that a sample with a field the type lacks fails docgen.
func newRecord(typ string) (any, error) {
	switch typ {
	case canonical.TypeOrder:
		return new(canonical.Order), nil
	case canonical.TypeOrderResponse:
		return new(canonical.OrderResponse), nil
	case canonical.TypeShipment:
		return new(canonical.Shipment), nil
	case canonical.TypeTrackingEvent:
		return new(canonical.TrackingEvent), nil
	case canonical.TypeInvoice:
		return new(canonical.Invoice), nil
	case canonical.TypeBankStatement:
		return new(canonical.BankStatement), nil
	case canonical.TypeBankTransaction:
		return new(canonical.StatementEntry), nil
	case canonical.TypeOrderEvent:
		return new(canonical.OrderEvent), nil
	case canonical.TypeCatalogItem:
		return new(canonical.CatalogItem), nil
	}
	return nil, fmt.Errorf("no Go type for canonical type %q", typ)
}

// catalogSample stands in for a missing canonical/testdata/catalog_item.json.
const catalogSample = `{"supplier": {"id": "SZ-ELEC", "name": "Shenzhen Electronics", "country": "CN"},
 "sku": "PCB-4L-100", "description": "4-layer PCB, 100 x 80 mm", "unit": "PCE",
 "moq": "500", "lead_time_days": 21, "hs_code": "853400", "origin_country": "CN", "incoterm": "FOB", "incoterm_place": "Shenzhen",
 "prices": [{"valid_from": "2026-01-01", "currency": "USD", "unit_price": "1.85"}]}`

// examplePayload is the example message of a canonical record type: its
// sample under canonical/testdata decoded into the Go type and encoded again,
// so the example is exactly what the hub would write.
func examplePayload(typ string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(samplesDir, typ+".json"))
	if errors.Is(err, os.ErrNotExist) && typ == canonical.TypeCatalogItem {
		raw, err = []byte(catalogSample), nil
	}
	if err != nil {
		return nil, fmt.Errorf("example of %s: %w", typ, err)
	}
	v, err := newRecord(typ)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, fmt.Errorf("example of %s: %w", typ, err)
	}
	return json.MarshalIndent(v, "", "  ")
}

// recordTypeOf returns the canonical record type a topic carries, if any.
func recordTypeOf(topic string) (string, bool) {
	for _, s := range canonical.Schemas() {
		if t, ok := pipelines.TopicFor(s.Type); ok && t == topic {
			return s.Type, true
		}
	}
	return "", false
}

// topicsDoc returns docs/topics.md: every topic of pipelines.AllTopics(),
// for the people who consume them.
func topicsDoc() ([]byte, error) {
	var b strings.Builder
	b.WriteString(topicsIntro)
	b.WriteString("\n## Topics\n\n| topic | payload | key | ce_type |\n|---|---|---|---|\n")
	topics := pipelines.AllTopics()
	for _, topic := range topics {
		d, ok := topicDocs[topic]
		if !ok {
			return nil, fmt.Errorf("topic %s has no entry in topicDocs (internal/tools/docgen/topics.go)", topic)
		}
		payload, ceTypes := "see below", d.ceTypes
		if typ, ok := recordTypeOf(topic); ok {
			payload = fmt.Sprintf("[`%s`](schemas/%s.v%d.json)", typ, typ, canonical.SchemaVersion)
			ceTypes = []string{pipelines.CloudEventType(typ)}
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", topic, anchor(topic), payload,
			d.keyCol, codeList(ceTypes))
	}
	for _, topic := range topics {
		d := topicDocs[topic]
		fmt.Fprintf(&b, "\n### `%s`\n\n%s\n\n", topic, d.carries)
		fmt.Fprintf(&b, "- **Key**: %s\n", d.key)
		var example []byte
		if typ, ok := recordTypeOf(topic); ok {
			fmt.Fprintf(&b, "- **ce_type**: `%s`\n", pipelines.CloudEventType(typ))
			fmt.Fprintf(&b, "- **ce_source**: `procurehub/<connector kind>/<partner>` (`procurehub/api/<party>` for API actions)\n")
			fmt.Fprintf(&b, "- **Schema**: [`schemas/%[1]s.v%[2]d.json`](schemas/%[1]s.v%[2]d.json) (`$id` %[3]s)\n", typ, canonical.SchemaVersion, canonical.SchemaID(typ))
			var err error
			if example, err = examplePayload(typ); err != nil {
				return nil, err
			}
		} else {
			fmt.Fprintf(&b, "- **ce_type**: %s\n", codeList(d.ceTypes))
			if d.example != nil {
				var err error
				if example, err = json.MarshalIndent(d.example, "", "  "); err != nil {
					return nil, fmt.Errorf("example of %s: %w", topic, err)
				}
			}
		}
		if d.headers != "" {
			fmt.Fprintf(&b, "- **Other headers**: %s\n", d.headers)
		}
		if d.notes != "" {
			fmt.Fprintf(&b, "- **Note**: %s\n", d.notes)
		}
		if example != nil {
			fmt.Fprintf(&b, "\nExample payload:\n\n```json\n%s\n```\n", example)
		}
	}
	b.WriteString(topicsConsuming)
	return []byte(b.String()), nil
}

// anchor is the GitHub heading anchor of "### `topic`".
func anchor(topic string) string {
	return strings.ReplaceAll(topic, ".", "")
}

func codeList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if strings.Contains(v, " ") { // a phrase, not a value
			out[i] = v
			continue
		}
		out[i] = "`" + v + "`"
	}
	return strings.Join(out, ", ")
}

const topicsIntro = "# Kafka topics\n\n" +
	"Generated from `pipelines.AllTopics()` and the canonical schemas and samples by `make docs`; do not edit\n" +
	"(the words live in `internal/tools/docgen/topics.go`). For analytics and other downstream consumers.\n\n" +
	"Topics are named `procurehub.<entity>.v<N>`. Within a version a payload only gains optional\n" +
	"properties and enum values; anything else (a property removed, renamed, retyped or newly required,\n" +
	"an enum value removed) makes a new topic version. `make schema-check` enforces this on the `.v1`\n" +
	"schemas against the reviewed baseline in [`schemas/baseline/`](schemas/baseline/). Schemas leave\n" +
	"`additionalProperties` open: ignore properties you do not know.\n\n" +
	"## Messages\n\n" +
	"A message is a CloudEvent in binary content mode: the Kafka value is the JSON payload (UTF-8,\n" +
	"`content-type: application/json`) and the CloudEvents attributes are Kafka headers:\n\n" +
	"| header | value |\n|---|---|\n" +
	"| `ce_id` | the message id, a UUID, stable across republishing (see Delivery) |\n" +
	"| `ce_type` | the payload type and version, `procurehub.<type>.v1` (per topic below) |\n" +
	"| `ce_source` | who produced it: `procurehub/<connector kind>/<partner>` for connector output |\n" +
	"| `ce_time` | when it was published, RFC 3339 |\n" +
	"| `ce_specversion` | `1.0` |\n" +
	"| `content-type` | `application/json` |\n" +
	"| `partition_key` | the Kafka key again, so a consumed message published again keeps its key |\n\n" +
	"Other headers carry lineage (`partner`, `file`, `file_sha256`) as listed per topic.\n\n" +
	"**Key and ordering.** The Kafka key is the record's business key (order number, tracking number,\n" +
	"account...). Keys are hashed with murmur2, as the Java client does, so one key always lands on one\n" +
	"partition: messages of one key are in the order they were published. There is no order across keys\n" +
	"or topics: a shipment can arrive before the order it ships, and a bank transaction before its statement\n" +
	"is stored.\n\n" +
	"**Delivery.** At-least-once. The hub publishes with acks from all in-sync replicas and publishes again\n" +
	"after a failure; a consumer sees a message again after a rebalance or a restart before its commit.\n" +
	"Deduplicate on `ce_id`: it derives from the input and the record's place in it, so the same input\n" +
	"published again gives the same ids. A record sent again in a new input (an updated order in\n" +
	"tomorrow's export) has a new `ce_id`: to keep the latest state, key your table on the record's business\n" +
	"key (the Kafka key, with the buyer for orders) and keep the message with the latest `ce_time`.\n" +
	"Commit offsets after you have processed a message, never before.\n\n" +
	"**Rejects and poison.** `procurehub.rejects.v1` holds what partners sent that was not taken (row errors\n" +
	"of webhook deliveries) and orders that failed validation; read it to measure data quality per partner.\n" +
	"`procurehub.poison.v1` holds messages a hub handler gave up on after its retries, with the reason in\n" +
	"headers, for operators to fix and replay; it is not data.\n"

const topicsConsuming = "\n## Consuming\n\n" +
	"With the hub running (`make run`, which starts the embedded broker on `127.0.0.1:9092`), tail a topic\n" +
	"as a consumer group; each message prints as one JSON line with its key, `ce_type` and payload:\n\n" +
	"```sh\n" +
	"go run ./cmd/topic-tail -brokers 127.0.0.1:9092 -topic procurehub.orders.v1 -group analytics\n" +
	"```\n\n" +
	"`-from-beginning` reads a new group from the oldest message kept instead of only new ones. The\n" +
	"group's offsets are committed after each printed line, so a second run goes on where the first\n" +
	"stopped; Ctrl-C stops it cleanly. [`cmd/topic-tail/main.go`](../cmd/topic-tail/main.go) is a short,\n" +
	"commented starting point for a consumer of your own (github.com/segmentio/kafka-go).\n\n" +
	"The same with kcat, printing key, headers and payload:\n\n" +
	"```sh\n" +
	"kcat -b 127.0.0.1:9092 -C -t procurehub.orders.v1 -f '%k %h %s\\n'\n" +
	"```\n"
