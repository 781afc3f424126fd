// Package lifecycle is the pure logic of an order's life: its states and the
// transitions between them, the fold of milestones from every source into a
// timeline, versioned amendments, and an early-warning estimate. It does no
// I/O: no store, no broker, no HTTP. The pipelines feed it milestones and
// store what it returns.
//
// # States
//
// The main line is
//
//	draft → submitted → confirmed → in_production → ready_to_ship → shipped →
//	in_transit → at_customs → customs_cleared → delivered → invoiced → paid → closed
//
// with needs_review (validation found errors; back to submitted once a
// corrected version passes), rejected (the supplier declines a submitted
// order) and cancelled (up to ready_to_ship; once goods have left, an order
// is no longer cancelled but returned, which is outside this package).
// rejected, cancelled and closed are final.
//
// # Transitions
//
// Transition and Transitions hold the table; TestTheDocumentedTableIsTheTable
// keeps this copy true.
//
//	draft           → submitted, needs_review, cancelled
//	submitted       → needs_review, confirmed, rejected, cancelled, in_production, ready_to_ship, shipped, in_transit, at_customs, customs_cleared, delivered
//	needs_review    → submitted, cancelled
//	confirmed       → submitted, cancelled, in_production, ready_to_ship, shipped, in_transit, at_customs, customs_cleared, delivered
//	in_production   → submitted, cancelled, ready_to_ship, shipped, in_transit, at_customs, customs_cleared, delivered
//	ready_to_ship   → cancelled, shipped, in_transit, at_customs, customs_cleared, delivered
//	shipped         → in_transit, at_customs, customs_cleared, delivered
//	in_transit      → at_customs, customs_cleared, delivered
//	at_customs      → customs_cleared, delivered
//	customs_cleared → delivered
//	delivered       → invoiced
//	invoiced        → paid
//	paid            → closed
//	closed, rejected, cancelled: final
//
// # Decisions
//
//   - Fulfilment milestones may be missing: suppliers often send no
//     production report, a domestic order has no customs. From submitted on,
//     an order may jump forward along the fulfilment line (confirmed →
//     shipped, in_transit → delivered). A jump from submitted past confirmed
//     means the supplier acted on the order, which implies its acceptance.
//     A draft has not reached the supplier, and an order in needs_review is
//     on hold: both refuse fulfilment milestones.
//   - An amendment (a buyer change, or a supplier counter-proposal) is
//     possible in draft, submitted, needs_review, confirmed and
//     in_production. In draft, submitted and needs_review it keeps the
//     state: the supplier confirms the latest version. In confirmed and
//     in_production it returns the order to submitted: the supplier must
//     confirm the new version (a buyer accepting a supplier's
//     counter-proposal is that confirmation). From ready_to_ship on, an
//     amendment is refused.
//   - Money follows the goods in the state: invoices and payments are often
//     earlier than delivery (invoice at shipment, advance payment, letter of
//     credit). They are never refused for coming early; before delivery
//     they are recorded on the timeline (Timeline.InvoicedAt, PaidAt), and
//     when the order is delivered it moves on to invoiced, and to paid when
//     both an invoice and a payment were seen. A payment without an invoice
//     leaves a delivered order delivered until the invoice arrives.
//   - What is truly illegal: anything that leaves a final state (a shipment
//     after cancellation), cancelling once shipped, a supplier rejecting an
//     order it confirmed or that already moved on, holding an order for
//     review once confirmed, amending from ready_to_ship on, closing an
//     order that is not paid, and fulfilment milestones for a draft or an
//     order on hold. A refused milestone stays on the timeline with its
//     reason; later legal milestones still apply.
//   - Milestones are placed by their own time (occurred_at), not their
//     arrival. A milestone for a state the order has already passed (in
//     transit reported after delivered) is kept on the timeline as implied
//     and does not move the state back.
package lifecycle
