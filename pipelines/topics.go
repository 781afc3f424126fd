// Package pipelines holds procurehub's Watermill routers and handlers: how
// connector output reaches Kafka (ingest), and how the canonical topics reach
// the consolidated store (store sink), with retry and a poison queue.
package pipelines

import "github.com/procurehub/procurehub/canonical"

// Canonical topics, named procurehub.<entity>.v<N>. A breaking change to a
// payload makes a new version.
const (
	TopicOrders           = "procurehub.orders.v1"
	TopicOrderResponses   = "procurehub.order-responses.v1"
	TopicOrderEvents      = "procurehub.order-events.v1"
	TopicShipments        = "procurehub.shipments.v1"
	TopicTrackingEvents   = "procurehub.tracking-events.v1"
	TopicInvoices         = "procurehub.invoices.v1"
	TopicBankStatements   = "procurehub.bank-statements.v1"   // whole statements: balances, checks; stored
	TopicBankTransactions = "procurehub.bank-transactions.v1" // one message per entry, keyed by account
	TopicAlerts           = "procurehub.alerts.v1"
	TopicCatalog          = "procurehub.catalog.v1" // supplier catalog items, keyed by supplier and sku
	TopicRejects          = "procurehub.rejects.v1"
	TopicPoison           = "procurehub.poison.v1"
)

// topicsByType routes a canonical record type to its topic.
var topicsByType = map[string]string{
	canonical.TypeOrder:           TopicOrders,
	canonical.TypeOrderResponse:   TopicOrderResponses,
	canonical.TypeShipment:        TopicShipments,
	canonical.TypeTrackingEvent:   TopicTrackingEvents,
	canonical.TypeInvoice:         TopicInvoices,
	canonical.TypeBankStatement:   TopicBankStatements,
	canonical.TypeBankTransaction: TopicBankTransactions,
	canonical.TypeOrderEvent:      TopicOrderEvents,
	canonical.TypeCatalogItem:     TopicCatalog,
}

// TopicFor returns the topic of a canonical record type.
func TopicFor(recordType string) (string, bool) {
	t, ok := topicsByType[recordType]
	return t, ok
}

// AllTopics lists every topic the hub publishes to, for broker setup.
func AllTopics() []string {
	return []string{TopicOrders, TopicOrderResponses, TopicOrderEvents, TopicShipments,
		TopicTrackingEvents, TopicInvoices, TopicBankStatements, TopicBankTransactions, TopicAlerts, TopicRejects, TopicPoison, TopicTrackingWebhooks, TopicCatalog}
}

// CloudEventType is the ce_type of a canonical record type: "procurehub.order.v1".
func CloudEventType(recordType string) string {
	return "procurehub." + recordType + ".v1"
}
