package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "metrics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := parseMetrics(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		metric string
		want   float64
	}{
		{"the series of a counter vector add up", "procurehub_records_total", 1005},
		{"a histogram's sum is its own metric", "procurehub_store_batch_size_sum", 1000},
		{"a histogram's count is its own metric", "procurehub_store_batch_size_count", 4},
		{"a sample with a timestamp keeps its value", "procurehub_inputs_total", 1},
		{"a sample without labels is read", "go_goroutines", 42},
		{"a value in exponent notation is read", "process_resident_memory_bytes", 183500800},
		{"a metric without series adds up to zero", "procurehub_poison_messages_total", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.Sum(tt.metric); got != tt.want {
				t.Errorf("sum(%s) = %v, want %v", tt.metric, got, tt.want)
			}
		})
	}
	t.Run("named series keep their labels and the exposition order", func(t *testing.T) {
		got := m.Named("procurehub_inputs_total", "procurehub_records_total")
		var series []string
		for _, s := range got {
			series = append(series, s.Series)
		}
		want := []string{
			`procurehub_records_total{partner="bench-erp",type="order"}`,
			`procurehub_records_total{partner="other",type="order"}`,
			`procurehub_inputs_total{partner="bench-erp",status="done"}`,
		}
		if strings.Join(series, "\n") != strings.Join(want, "\n") {
			t.Errorf("got\n%s\nwant\n%s", strings.Join(series, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestParseMetricsNamesTheLineOfASampleWithoutValue(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "metrics-malformed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = parseMetrics(f)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want one naming line 2", err)
	}
}
