package canonical

// Source is the lineage of a record: which connector and partner it came from,
// and where in which input. Every record may carry one.
type Source struct {
	Connector string `json:"connector,omitempty"`
	Partner   string `json:"partner,omitempty"`
	File      string `json:"file,omitempty"`
	Sheet     string `json:"sheet,omitempty"`
	Line      int    `json:"line,omitempty"`
	Segment   string `json:"segment,omitempty"`
}

var sourceDoc = typeDoc{
	desc: "Lineage: which connector and partner a record came from, and where in which input.",
	fields: map[string]string{
		"connector": "Connector kind (erp_export, bank_statement...).",
		"partner":   "Partner name from the configuration.",
		"file":      "Input name, usually a file's base name.",
		"line":      "1-based line or spreadsheet row.",
		"segment":   "EDI segment or XML element.",
	},
}
