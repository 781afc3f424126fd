package infer

import (
	"strings"
	"unicode"

	"github.com/procurehub/procurehub/canonical"
)

// statusRule gives a normalized status to codes and texts holding one of
// its phrases (folded, words separated by single spaces) or equal to one
// of its codes. Rules are tried in order: the more specific first
// ("delivery attempt failed" before "delivered" and "failed").
type statusRule struct {
	status  canonical.TrackingStatus
	phrases []string
	codes   []string // whole values only: short carrier codes
}

var statusRules = []statusRule{
	{canonical.TrackingReturned, []string{"return to sender", "returned", "returning", "retour", "ruecksendung", "zuruecksendung", "ruecklauf", "devuelto", "devolucion", "renvoye", "reso al mittente"}, []string{"rts", "rtn"}},
	{canonical.TrackingCancelled, []string{"cancelled", "canceled", "cancel", "storniert", "annule", "anulado", "void"}, []string{"cxl", "can"}},
	{canonical.TrackingExpired, []string{"expired", "abgelaufen"}, nil},
	{canonical.TrackingFailedAttempt, []string{"attempt fail", "attemptfail", "delivery attempt", "delivery attempted", "failed attempt", "attempted delivery", "unsuccessful delivery", "zustellversuch", "nicht angetroffen", "not home", "recipient absent", "destinataire absent", "intento de entrega", "tentativo di consegna", "avis de passage"}, []string{"att", "na"}},
	{canonical.TrackingOutForDelivery, []string{"out for delivery", "outfordelivery", "in zustellung", "zustellfahrzeug", "on vehicle for delivery", "with delivery courier", "with courier", "en cours de livraison", "en livraison", "en reparto", "in consegna", "saiu para entrega"}, []string{"ofd", "od", "wc"}},
	{canonical.TrackingAvailableForPickup, []string{"available for pickup", "availableforpickup", "ready for pickup", "ready for collection", "pickup available", "awaiting collection", "arrived at pickup", "abholbereit", "zur abholung", "abholstation", "packstation", "point relais", "disponible en point", "disponible para recoger"}, []string{"afp", "rfp", "nfd", "awd"}},
	{canonical.TrackingException, []string{"undeliverable", "undelivered", "not delivered", "nicht zustellbar", "non livre", "exception", "failed", "failure", "fail", "delay", "delayed", "damaged", "lost", "error", "problem", "verzoegert", "verzoegerung", "beschaedigt", "verloren", "stoerung", "retard", "incident", "incidencia", "address issue", "refused", "verweigert", "refuse", "rechazado"}, []string{"exc", "ex", "dis"}},
	{canonical.TrackingDelivered, []string{"delivered", "zugestellt", "ausgeliefert", "geliefert", "livre", "entregado", "entregue", "consegnato", "delivery complete", "proof of delivery", "empfangen durch", "signed for", "bezorgd", "afgeleverd", "doręczona"}, []string{"dlv", "dl", "del", "dld", "pod", "d"}},
	{canonical.TrackingCustomsCleared, []string{"customs cleared", "cleared customs", "customs clearance complete", "clearance complete", "customs released", "released by customs", "import cleared", "verzollt", "zollfreigabe", "vom zoll freigegeben", "dedouane", "despachado", "sdoganato"}, []string{"cusr", "ccd", "clr"}},
	{canonical.TrackingCustomsHold, []string{"customs", "held", "hold", "zoll", "douane", "aduana", "dogana", "inspection", "clearance"}, []string{"cush", "hld"}},
	{canonical.TrackingPickedUp, []string{"picked up", "pickedup", "pick up", "pickup", "collected", "abgeholt", "accepted", "acceptance", "received at origin", "received by carrier", "eingeliefert", "uebernommen", "pris en charge", "recogido", "admitido", "gate in", "gated in", "dropped off", "drop off", "shipment received", "package received", "postaufgabe", "aufgegeben", "abholung"}, []string{"pu", "pck", "gtin", "rcs", "acc"}},
	{canonical.TrackingInTransit, []string{"arrived at facility", "arrived at hub", "arrived at sort facility", "arrived at sorting", "departed facility", "departed from facility", "departed hub", "left facility", "in transit to", "arrived at depot", "ankunft im paketzentrum", "im paketzentrum"}, nil},
	{canonical.TrackingDepartedOrigin, []string{"departed origin", "left origin", "departed", "departure", "vessel departed", "abgefahren", "abflug", "ausgang", "parti", "salida", "partito"}, []string{"depa", "dep", "dp"}},
	{canonical.TrackingArrivedDestination, []string{"arrived at destination", "arrival at destination", "arrived in destination", "destination country", "arrived", "arrival", "angekommen", "eingetroffen", "ankunft", "arrive", "llegada", "arrivato", "discharged"}, []string{"arri", "arr", "disc", "rcf"}},
	{canonical.TrackingInTransit, []string{"in transit", "intransit", "transit", "unterwegs", "en route", "en transit", "on the way", "processed", "processing", "sorting", "sorted", "sortierzentrum", "paketzentrum", "verteilzentrum", "hub", "facility", "transshipment", "loaded", "verladen", "bearbeitet", "en camino", "en transito", "in transito", "forwarded", "transfer", "moving"}, []string{"it", "trn", "trsh", "load", "man", "tfd"}},
	{canonical.TrackingInfoReceived, []string{"info received", "information received", "inforeceived", "label created", "label printed", "label", "pre transit", "pretransit", "pre_transit", "created", "registered", "manifest", "electronic notification", "shipment information", "data received", "angekuendigt", "avisiert", "daten uebermittelt", "elektronisch angekuendigt", "auftrag erteilt", "booked", "booking", "order received", "awaiting pickup", "annonce", "enregistre", "prealerta"}, []string{"ir", "cr", "bkd", "foh", "lbl", "new"}},
	{canonical.TrackingUnknown, []string{"pending", "unknown", "no information", "not found", "unbekannt"}, nil},
}

// words folds a code or text into lower-case words: "OutForDelivery",
// "out_for_delivery" and "Out for delivery" are all "out for delivery".
func words(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			prevLower = false
		case unicode.IsLetter(r):
			b.WriteRune(r)
			prevLower = true
		case unicode.IsDigit(r):
			b.WriteByte(' ')
			prevLower = false
		default:
			b.WriteByte(' ')
			prevLower = false
		}
	}
	return strings.Join(strings.Fields(fold(b.String())), " ")
}

// guessStatus guesses the normalized status of a carrier status code (or
// text). conf is 0 when it makes no guess.
func guessStatus(code string) (st canonical.TrackingStatus, conf float64, reason string) {
	w := words(code)
	if w == "" {
		return "", 0, ""
	}
	bare := strings.ToLower(strings.TrimSpace(code))
	joined := strings.ReplaceAll(w, " ", "")
	padded := " " + w + " "
	for _, r := range statusRules {
		for _, c := range r.codes {
			if bare == c || w == c {
				return r.status, 0.6, "the code " + c + " is a common code for " + string(r.status)
			}
		}
	}
	for _, r := range statusRules {
		for _, ph := range r.phrases {
			if w == ph || joined == strings.ReplaceAll(ph, " ", "") {
				return r.status, 0.9, "the code is " + quote(ph)
			}
		}
	}
	for _, r := range statusRules {
		for _, ph := range r.phrases {
			if strings.Contains(padded, " "+ph+" ") {
				return r.status, 0.7, "the code says " + quote(ph)
			}
		}
	}
	// Words glued together ("INTRANSIT", "DELIVEREDTOMAILBOX").
	for _, r := range statusRules {
		for _, ph := range r.phrases {
			if len(ph) >= 6 && strings.Contains(joined, strings.ReplaceAll(ph, " ", "")) {
				return r.status, 0.5, "the code contains " + quote(ph)
			}
		}
	}
	return "", 0, ""
}

func quote(s string) string { return "\u201c" + s + "\u201d" }
