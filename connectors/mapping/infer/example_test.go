package infer_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/connectors/mapping/infer"
)

func ExampleInfer() {
	sample := []byte("Bestellnummer;Bestelldatum;Kunde;Währung;Artikelnummer;Menge;ME;Einzelpreis;Land\n" +
		"4500012345;01.03.2026;ACME;EUR;SP-4411;1.200;ST;0,35;DE\n" +
		"4500012345;01.03.2026;ACME;EUR;SP-4412;2.400;ST;0,12;DE\n" +
		"4500012346;13.03.2026;ACME;EUR;HM-77;10;KG;4.473,60;DE\n")
	p, err := infer.Infer(sample, infer.Options{FileName: "acme.csv", Now: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(p.YAML()))
	// Output:
	// # Proposed mapping, inferred from acme.csv on 2026-03-14.
	// # It is a guess from a sample and MUST be reviewed before use: check each
	// # column below against its confidence (0..1) and reason, and the settings.
	//
	// document: order
	// encoding: utf-8
	// delimiter: ";"
	// header_row: 1
	// decimal_mark: ","
	// thousands_separator: "."
	// date_formats: [DD.MM.YYYY]
	//
	// # canonical field: column header in the file  # confidence, reason
	// columns:
	//   order_number: Bestellnummer    # 0.90 header synonym "Bestellnummer" (de)
	//   buyer.id: Kunde                # 0.90 header synonym "Kunde" (de)
	//   currency: Währung              # 1.00 header synonym "Währung" (de); values look like ISO 4217 currencies (3/3)
	//   order_date: Bestelldatum       # 1.00 header synonym "Bestelldatum" (de); values look like dates (3/3)
	//   ship_to.country: Land          # 0.85 header synonym "Land" (de, nl); values look like ISO 3166 countries (3/3)
	//   lines.quantity: Menge          # 1.00 header synonym "Menge" (de); values look like numbers (3/3)
	//   lines.sku: Artikelnummer       # 0.90 header synonym "Artikelnummer" (de, nl)
	//   lines.unit: ME                 # 1.00 header synonym "ME" (de); values look like units of measure (3/3)
	//   lines.unit_price: Einzelpreis  # 1.00 header synonym "Einzelpreis" (de); values look like numbers (3/3)
	//
	// # Text in the sample → canonical codes (UN/ECE Rec 20 units, Incoterms rules).
	// values:
	//   lines.unit:
	//     KG: KGM
	//     ST: H87
}

// The proposal is data too, for an API that shows it as JSON.
func ExampleProposal_json() {
	p, err := infer.Infer([]byte("PO,Buyer,Qty,UoM,Ccy,Made In\nA-1,B1,2,EA,EUR,cn\nA-2,B1,3,pcs,USD,XX\n"), infer.Options{Now: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	fmt.Println(string(b))
	// Output:
	// {
	//   "document": "order",
	//   "inferred_at": "2026-03-14T00:00:00Z",
	//   "settings": {
	//     "format": "csv",
	//     "encoding": "utf-8",
	//     "delimiter": ",",
	//     "header_row": 1,
	//     "decimal_mark": ".",
	//     "thousands_separator": "",
	//     "date_formats": [
	//       "YYYY-MM-DD"
	//     ]
	//   },
	//   "fields": [
	//     {
	//       "field": "order_number",
	//       "column": "PO",
	//       "index": 0,
	//       "confidence": 0.9,
	//       "reason": "header synonym \"PO\" (en)"
	//     },
	//     {
	//       "field": "buyer.id",
	//       "column": "Buyer",
	//       "index": 1,
	//       "confidence": 0.9,
	//       "reason": "header synonym \"Buyer\" (en)"
	//     },
	//     {
	//       "field": "currency",
	//       "column": "Ccy",
	//       "index": 4,
	//       "confidence": 1,
	//       "reason": "header synonym \"Ccy\" (en); values look like ISO 4217 currencies (2/2)"
	//     },
	//     {
	//       "field": "lines.origin_country",
	//       "column": "Made In",
	//       "index": 5,
	//       "confidence": 0.88,
	//       "reason": "header synonym \"Made In\" (en); only 1/2 values look like ISO 3166 countries"
	//     },
	//     {
	//       "field": "lines.quantity",
	//       "column": "Qty",
	//       "index": 2,
	//       "confidence": 1,
	//       "reason": "header synonym \"Qty\" (en); values look like numbers (2/2)"
	//     },
	//     {
	//       "field": "lines.unit",
	//       "column": "UoM",
	//       "index": 3,
	//       "confidence": 1,
	//       "reason": "header synonym \"UoM\" (en); values look like units of measure (2/2)",
	//       "values": {
	//         "pcs": "H87"
	//       }
	//     }
	//   ],
	//   "unplaced": [],
	//   "missing": [],
	//   "need_constants": [],
	//   "rows": 2
	// }
}
