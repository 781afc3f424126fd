package infer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/language"

	"github.com/procurehub/procurehub/canonical"
)

// minScore is the least score a field's path is proposed with.
const minScore = 0.3

// leaf is one scalar value of an object, at a path relative to it.
type leaf struct {
	path  jpath
	value any // string, json.Number or bool
}

// leaves lists the scalar values of o, looking into nested objects up to
// depth levels below it (not into arrays), keys sorted.
func leaves(o map[string]any, depth int) []leaf {
	var out []leaf
	var walk func(m map[string]any, p jpath, d int)
	walk = func(m map[string]any, p jpath, d int) {
		for _, k := range sortedKeys(m) {
			q := append(slices.Clone(p), seg{key: k})
			switch x := m[k].(type) {
			case map[string]any:
				if d < depth {
					walk(x, q, d+1)
				}
			case string, json.Number, bool:
				out = append(out, leaf{path: q, value: x})
			}
		}
	}
	walk(o, nil, 0)
	return out
}

// column is one path across the events (or shipments) of a sample, with
// the values found there.
type column struct {
	path     jpath
	shipment bool     // the path starts at the shipment
	values   []string // text of each value found, trimmed; numbers as written
	numbers  int      // how many were JSON numbers
	present  int      // how many objects have a non-empty value
	owners   int      // how many objects were looked at
}

// columns gathers the leaves of objs by path, in first-seen order. A key
// equal to except (at the top) is left out: it leads to the events.
func columns(objs []map[string]any, depth int, except string) []*column {
	objs = objs[:min(len(objs), maxLook)]
	byPath := map[string]*column{}
	var order []*column
	for _, o := range objs {
		for _, l := range leaves(o, depth) {
			if l.path[0].key == except {
				continue
			}
			k := l.path.id()
			c := byPath[k]
			if c == nil {
				c = &column{path: l.path, owners: len(objs)}
				byPath[k] = c
				order = append(order, c)
			}
			var s string
			switch v := l.value.(type) {
			case string:
				s = strings.TrimSpace(v)
			case json.Number:
				s = v.String()
				c.numbers++
			case bool:
				continue
			}
			if s == "" {
				continue
			}
			c.values = append(c.values, s)
			c.present++
		}
	}
	return order
}

// distinct returns the distinct values of a column, in first-seen order.
func (c *column) distinct() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range c.values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// share is the part of the column's values for which ok holds.
func (c *column) share(ok func(string) bool) float64 {
	if len(c.values) == 0 {
		return 0
	}
	n := 0
	for _, v := range c.values {
		if ok(v) {
			n++
		}
	}
	return float64(n) / float64(len(c.values))
}

// fold lower-cases a name and writes umlauts and accents as ASCII.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä':
			b.WriteString("ae")
		case 'ö':
			b.WriteString("oe")
		case 'ü':
			b.WriteString("ue")
		case 'ß':
			b.WriteString("ss")
		case 'à', 'á', 'â', 'ã', 'å':
			b.WriteRune('a')
		case 'è', 'é', 'ê', 'ë':
			b.WriteRune('e')
		case 'ì', 'í', 'î', 'ï':
			b.WriteRune('i')
		case 'ò', 'ó', 'ô', 'õ':
			b.WriteRune('o')
		case 'ù', 'ú', 'û':
			b.WriteRune('u')
		case 'ç':
			b.WriteRune('c')
		case 'ñ':
			b.WriteRune('n')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normKey folds a key and keeps only its letters and digits:
// "Tracking-Number", "tracking_number" and "trackingNumber" are all
// "trackingnumber".
func normKey(k string) string {
	var b strings.Builder
	for _, r := range fold(k) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// synonyms are the key names (normalized) of each field: exact names,
// names that count only under a parent (location.name), parts a key may
// contain, and weak names.
type synonyms struct {
	exact    []string
	parents  []string // with under: the key counts under one of these parents
	under    []string
	contains []string
	weak     []string
}

var locationParents = []string{"location", "place", "address", "trackinglocation", "scanlocation", "eventlocation", "facility", "port",
	"ort", "standort", "adresse", "lieu", "adresse", "ubicacion", "lugar", "localizacao", "site", "origin", "station", "terminal"}

var fieldSynonyms = map[string]synonyms{
	FieldTrackingNumber: {
		exact: []string{"trackingnumber", "trackingno", "trackingnr", "trackingcode", "trackingid", "tracking", "trackno", "tracknumber",
			"awb", "awbnumber", "awbno", "mawb", "mawbnumber", "hawb", "airwaybill", "waybill", "waybillnumber", "waybillno",
			"containernumber", "containerno", "containerid", "container", "equipmentreference", "equipmentnumber",
			"sendungsnummer", "sendungsnr", "sendungsid", "paketnummer", "paketnr", "shipmentnumber", "shipmentno", "shipmenttrackingnumber",
			"consignmentnumber", "consignmentno", "parcelnumber", "parcelno", "barcode", "numerodesuivi", "numerosuivi",
			"numerodeseguimiento", "numeroseguimiento", "codigoseguimiento", "codigorastreio", "numerorastreio", "billoflading", "blnumber",
			"bolnumber", "mblnumber", "trackingreference", "trackingnumbers", "idship", "colis", "numerocolis", "spedizione", "ldv"},
		contains: []string{"trackingnumber", "trackingno", "trackingcode", "awb", "waybill", "sendungsnummer", "containernumber", "containerno", "paketnummer"},
		weak:     []string{"reference", "referenz", "ref", "number", "shipmentid", "shipmentreference"},
	},
	FieldEventID: {
		exact: []string{"id", "eventid", "eventuuid", "uuid", "objectid", "checkpointid", "scanid", "milestoneid", "activityid",
			"trackingeventid", "ereignisid", "historyid", "eventkey"},
		contains: []string{"eventid"},
	},
	FieldCarrier: {
		exact: []string{"carrier", "carriercode", "carriername", "carrierslug", "slug", "courier", "couriercode", "couriername",
			"provider", "scac", "scaccode", "spediteur", "frachtfuehrer", "transporteur", "transportista", "shippingline", "airline",
			"carrierscac", "paketdienst", "versanddienstleister", "dienstleister", "vettore", "corriere"},
		contains: []string{"carrier", "courier"},
	},
	FieldStatus: {
		exact: []string{"status", "statuscode", "eventcode", "code", "tag", "subtag", "eventtype", "state", "statuskey", "statusid",
			"milestonecode", "milestone", "scancode", "scantype", "statut", "codestatut", "estado", "statuscd", "ereigniscode",
			"statusschluessel", "zustand", "eventstatus", "trackingstatus", "checkpointstatus", "activitycode", "substatus",
			"substatuscode", "statusdetail", "eventcodetype", "transporteventtypecode", "equipmenteventtypecode", "statuscategory", "stato",
			"codigo", "codigoestado", "typecode", "eventtypecode", "codeevenement"},
		parents:  []string{"status", "substatus", "event"},
		under:    []string{"code", "key", "id"},
		contains: []string{"status", "eventcode", "statecode"},
		weak:     []string{"type", "event", "ereignis", "kind"},
	},
	FieldDescription: {
		exact: []string{"description", "message", "details", "detail", "text", "statusdetails", "statusdescription", "statustext",
			"beschreibung", "remark", "remarks", "info", "eventdescription", "comment", "libelle", "libelleevenement", "descripcion",
			"descricao", "meldung", "nachricht", "activity", "statusmessage", "eventtext", "checkpointmessage", "summary", "note",
			"notes", "ereignistext", "statusbeschreibung", "texte", "mensaje", "descrizione", "statustextlong", "label", "ereignis",
			"bezeichnung", "statusmeldung", "hinweis"},
		parents:  []string{"status", "substatus", "event"},
		under:    []string{"text", "description", "message", "name"},
		contains: []string{"description", "message", "beschreibung", "text"},
	},
	FieldOccurredAt: {
		exact: []string{"occurredat", "timestamp", "datetime", "eventtime", "eventdatetime", "eventtimestamp", "time", "date",
			"eventdate", "checkpointtime", "statusdate", "statustime", "scantime", "scandatetime", "zeitpunkt", "datum", "zeit",
			"datumzeit", "datumuhrzeit", "ereigniszeit", "ereignisdatum", "horodatage", "dateheure", "dateevenement", "fecha", "fechahora",
			"actualtime", "actualdate", "actualdatetime", "happenedat", "ts", "at", "eventcreatedtime", "localdatetime", "datahora", "dataora",
			"when", "trackedat", "scannedat"},
		contains: []string{"time", "date", "zeit", "datum", "stamp", "occurred", "fecha", "horodat"},
		weak:     []string{"createdat", "updatedat", "created", "updated"},
	},
	FieldCity: {
		exact: []string{"city", "cityname", "town", "stadt", "ort", "ville", "ciudad", "citta", "cidade", "place", "locality",
			"location", "locationname", "municipality", "plaats", "stadtname", "ortname", "ortsname", "lieu", "localidad", "scanlocation", "eventlocation", "locationcity", "placename"},
		parents:  locationParents,
		under:    []string{"name", "city", "town"},
		contains: []string{"city", "stadt", "ville", "ciudad"},
	},
	FieldCountry: {
		exact: []string{"country", "countrycode", "countryiso", "countryiso2", "countryiso3", "countryalpha2", "iso", "isocode", "land",
			"landcode", "laendercode", "laenderkennzeichen", "pays", "codepays", "pais", "codigopais", "nation", "ctry", "locationcountry", "countryid", "paese"},
		parents:  locationParents,
		under:    []string{"cc", "iso", "country", "code"},
		contains: []string{"country", "land", "pays", "pais"},
	},
}

// negativeTime are words of times that are not when an event happened.
var negativeTime = []string{"estimated", "expected", "planned", "eta", "etd", "scheduled", "promised", "due", "geplant", "voraussichtlich", "prevue", "estimada"}

// nameScore says how well a path's key names the field: 0.6 for a name
// of it, 0.45 for a name under a telling parent (location.name), 0.35
// for a key that contains a name, 0.25 for a weak name.
func nameScore(field string, p jpath) float64 {
	if len(p) == 0 || p[len(p)-1].all {
		return 0
	}
	syn := fieldSynonyms[field]
	last := normKey(p[len(p)-1].key)
	parent := ""
	if len(p) > 1 && !p[len(p)-2].all {
		parent = normKey(p[len(p)-2].key)
	}
	full := parent + last
	score := 0.0
	switch {
	case last == "":
	case slices.Contains(syn.exact, last) || parent != "" && slices.Contains(syn.exact, full):
		score = 0.6
	case parent != "" && slices.Contains(syn.parents, parent) && slices.Contains(syn.under, last):
		score = 0.45
	case containsAny(last, syn.contains):
		score = 0.35
	case slices.Contains(syn.weak, last):
		score = 0.25
	}
	if field == FieldOccurredAt && score > 0 {
		if containsAny(full, negativeTime) {
			score *= 0.3
		} else if slices.Contains(syn.weak, last) {
			score = min(score, 0.25)
		}
	}
	// A place's name is its city only when it is a city-like place.
	if field == FieldStatus && score > 0 && containsAny(last, []string{"description", "detail", "text", "message"}) && !slices.Contains(syn.exact, last) {
		score = 0
	}
	return score
}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

var (
	containerRe = regexp.MustCompile(`^[A-Z]{3}[UJZ]\d{7}$`)
	uuidRe      = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// trackingNumberLike reports whether s looks like a tracking number, an
// air waybill or a container number.
func trackingNumberLike(s string) bool {
	if containerRe.MatchString(s) {
		return true
	}
	if len(s) < 8 || len(s) > 40 || uuidRe.MatchString(s) {
		return false
	}
	digits, spaces := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-':
		case r == ' ':
			spaces++
		default:
			return false
		}
	}
	if spaces > 3 || digits < 4 {
		return false
	}
	f, isTime := timeFormatOf(s)
	return !isTime || f.epoch // 1234567890 reads as a time, and as a number
}

// countryLike reports whether s is an ISO 3166-1 alpha-2 or alpha-3 code.
func countryLike(s string) bool {
	if _, err := canonical.ParseCountry(s); err == nil {
		return true
	}
	if len(s) != 3 || strings.IndexFunc(s, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') }) >= 0 {
		return false
	}
	r, err := language.ParseRegion(s)
	if err != nil || !r.IsCountry() {
		return false
	}
	return canonical.Country(r.String()).Valid()
}

// cityLike reports whether s reads as a place name: letters, not a code.
func cityLike(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		} else if unicode.IsDigit(r) {
			return false
		}
	}
	if letters < 2 || len(s) > 60 {
		return false
	}
	return !(len(s) <= 3 && strings.ToUpper(s) == s)
}

// textLike reports whether s is free text (several words).
func textLike(s string) bool {
	return strings.Count(strings.TrimSpace(s), " ") >= 1 && len(s) >= 8 && strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// codeLike reports whether s is a short code or a status word.
func codeLike(s string) bool {
	return len(s) <= 40 && strings.Count(s, " ") <= 3 && strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// scoreField scores a column as a field, with the reason.
func scoreField(field string, c *column) (float64, string) {
	if len(c.values) == 0 {
		return 0, ""
	}
	ns := nameScore(field, c.path)
	key := c.path[len(c.path)-1].key
	var byName string
	if ns > 0 {
		byName = fmt.Sprintf("key %q names %s", key, field)
	}
	n := len(c.values)
	pct := func(f float64) string { return fmt.Sprintf("%d of %d values", int(f*float64(n)+0.5), n) }
	var score float64
	var byValue string
	switch field {
	case FieldOccurredAt:
		f, share := timeFormatOfColumn(c)
		if share < 0.5 || f.name == "" || f.epoch && ns == 0 {
			return 0, ""
		}
		byValue = pct(share) + " read as " + f.describe()
		score = ns + 0.4*share
		if ns == 0 {
			score = 0.35 * share
		}
	case FieldTrackingNumber:
		share := c.share(trackingNumberLike)
		byValue = pct(share) + " look like tracking numbers"
		score = ns + 0.4*share
		if ns == 0 {
			score = 0
			if share >= 0.8 {
				score = 0.3
			}
		}
		if ns > 0 && ns < 0.35 && share < 0.8 {
			score = 0
		}
		if f, t := timeFormatOf(c.values[0]); t && !f.epoch {
			score = 0
		}
	case FieldEventID:
		if c.shipment || ns == 0 {
			return 0, ""
		}
		d := float64(len(c.distinct())) / float64(n)
		byValue = fmt.Sprintf("%d distinct of %d values", len(c.distinct()), n)
		score = ns + 0.3*d
		if d < 0.9 && n > 1 {
			score = ns * 0.4
		}
	case FieldCarrier:
		if ns == 0 {
			return 0, ""
		}
		share := c.share(func(s string) bool { return len(s) <= 40 && strings.IndexFunc(s, unicode.IsLetter) >= 0 })
		byValue = pct(share) + " are short names"
		score = ns + 0.3*share
	case FieldStatus:
		code := c.share(codeLike)
		hits := c.share(func(s string) bool { _, conf, _ := guessStatus(s); return conf > 0 })
		if c.numbers == n {
			code = 0.5
		}
		share := 0.5*code + 0.5*hits
		byValue = fmt.Sprintf("%s are codes, %s name a status", pct(code), pct(hits))
		score = ns + 0.4*share
		if ns == 0 {
			score = 0
			if code >= 0.8 && hits >= 0.5 {
				score = 0.3
			}
		}
		if c.share(textLike) > 0.6 && c.share(func(s string) bool { return len(s) > 40 }) > 0.3 {
			score *= 0.5
		}
	case FieldDescription:
		share := c.share(textLike)
		byValue = pct(share) + " are text"
		score = ns + 0.4*share
		if ns == 0 {
			score = 0
			if share >= 0.8 {
				score = 0.3
			}
		}
	case FieldCity:
		if ns == 0 {
			return 0, ""
		}
		share := c.share(cityLike)
		byValue = pct(share) + " are place names"
		score = ns + 0.4*share
		if share < 0.5 {
			score = ns * 0.5
		}
	case FieldCountry:
		share := c.share(countryLike)
		byValue = pct(share) + " are ISO 3166-1 codes"
		score = ns + 0.4*share
		switch {
		case ns == 0 && share >= 0.9 && c.numbers == 0:
			score = 0.35
		case ns == 0:
			score = 0
		case share < 0.5:
			score = ns * 0.5
		}
	}
	if c.numbers == n && field != FieldOccurredAt && field != FieldTrackingNumber && field != FieldEventID && field != FieldStatus {
		score *= 0.5
	}
	if c.shipment && field != FieldTrackingNumber && field != FieldCarrier {
		score *= 0.6 // an event's own value is likelier
	}
	if !c.shipment && field == FieldCarrier {
		score *= 0.95
	}
	if c.owners > 0 {
		score *= 0.7 + 0.3*float64(c.present)/float64(c.owners)
	}
	score = min(score, 1)
	reason := byValue
	if byName != "" {
		reason = byName + "; " + byValue
	} else if reason != "" {
		reason = "by its values: " + reason
	}
	if c.shipment {
		reason += "; on the shipment"
	}
	return score, reason
}
