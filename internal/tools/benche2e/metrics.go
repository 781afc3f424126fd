package main

import "github.com/procurehub/procurehub/internal/tools/internal/toolkit"

// The hub's /metrics, as read by toolkit.
type (
	sample  = toolkit.Sample
	samples = toolkit.Samples
)

var parseMetrics = toolkit.ParseMetrics
