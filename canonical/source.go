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
