package metrics_test

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/processor/metrics"
)

func benchRecord() metrics.Record {
	return metrics.Record{
		Outcome: metrics.OutcomeRewrite, Pipeline: "default", Rules: []string{"links", "profanity"},
		PipelineDuration: 120 * time.Microsecond, CallbackDuration: 38 * time.Millisecond,
		Retries:   metrics.Retries{Throttle: 1},
		RequestID: "8f2c1a9e-2b7d-4c1e-9a0f-3d5e6f7a8b9c", CallbackID: "4d5f7a1e8b2c4c9d9e0f1a2b3c4d5e6f",
		MessageID:  "f1e2d3c4b5a697887766554433221100ffeeddccbbaa99887766554433221100",
		ChannelArn: "arn:aws:chime:us-east-1:111122223333:app-instance/4d5f7a1e-8b2c-4c9d-9e0f-1a2b3c4d5e6f/channel/9a8b7c6d",
	}
}

// BenchmarkRecord: aggregating one message.
//
//	go test -run '^$' -bench . -benchmem ./processor/metrics/
func BenchmarkRecord(b *testing.B) {
	e, _ := metrics.New(io.Discard, metrics.Options{})
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		e.Record(r)
	}
}

// BenchmarkRecordFlush: the Lambda path, one Record and one Flush per
// invocation (a message document and two rule documents written).
func BenchmarkRecordFlush(b *testing.B) {
	e, _ := metrics.New(io.Discard, metrics.Options{})
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		e.Record(r)
		if err := e.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordFlushEncodingJSON is the baseline BenchmarkRecordFlush is
// compared with: the same three documents built as maps and written with
// encoding/json, as a straightforward implementation would.
func BenchmarkRecordFlushEncodingJSON(b *testing.B) {
	r := benchRecord()
	enc := json.NewEncoder(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		ts := time.Now().UnixMilli()
		doc := map[string]any{
			"_aws": map[string]any{"Timestamp": ts, "CloudWatchMetrics": []any{map[string]any{
				"Namespace": "chimeflow", "Dimensions": [][]string{{}, {"Pipeline"}},
				"Metrics": []map[string]string{
					{"Name": metrics.Messages, "Unit": "Count"}, {"Name": metrics.Allowed, "Unit": "Count"},
					{"Name": metrics.Rewritten, "Unit": "Count"}, {"Name": metrics.Denied, "Unit": "Count"},
					{"Name": metrics.Errored, "Unit": "Count"}, {"Name": metrics.CallbackRetriesThrottle, "Unit": "Count"},
					{"Name": metrics.CallbackRetriesServerError, "Unit": "Count"}, {"Name": metrics.CallbackRetriesNetwork, "Unit": "Count"},
					{"Name": metrics.CallbackRefusals, "Unit": "Count"}, {"Name": metrics.DuplicatesAbsorbed, "Unit": "Count"},
					{"Name": metrics.RuleErrors, "Unit": "Count"}, {"Name": metrics.DryRunHits, "Unit": "Count"},
					{"Name": metrics.ColdStart, "Unit": "Count"}, {"Name": metrics.PipelineDuration, "Unit": "Milliseconds"},
					{"Name": metrics.CallbackDuration, "Unit": "Milliseconds"},
				}}}},
			"Pipeline": r.Pipeline, "Outcome": r.Outcome, "requestId": r.RequestID, "callbackId": r.CallbackID,
			"messageId": r.MessageID, "channelArn": r.ChannelArn,
			metrics.Messages: 1, metrics.Allowed: 0, metrics.Rewritten: 1, metrics.Denied: 0, metrics.Errored: 0,
			metrics.CallbackRetriesThrottle: r.Retries.Throttle, metrics.CallbackRetriesServerError: 0, metrics.CallbackRetriesNetwork: 0,
			metrics.CallbackRefusals: 0, metrics.DuplicatesAbsorbed: 0, metrics.RuleErrors: 0, metrics.DryRunHits: 0, metrics.ColdStart: 0,
			metrics.PipelineDuration: float64(r.PipelineDuration.Microseconds()) / 1000,
			metrics.CallbackDuration: float64(r.CallbackDuration.Microseconds()) / 1000,
		}
		if err := enc.Encode(doc); err != nil {
			b.Fatal(err)
		}
		for _, rule := range r.Rules {
			rd := map[string]any{
				"_aws": map[string]any{"Timestamp": ts, "CloudWatchMetrics": []any{map[string]any{
					"Namespace": "chimeflow", "Dimensions": [][]string{{"Rule"}, {"Pipeline", "Rule"}},
					"Metrics": []map[string]string{
						{"Name": metrics.RuleActions, "Unit": "Count"}, {"Name": metrics.RuleDenials, "Unit": "Count"},
						{"Name": metrics.RuleErrors, "Unit": "Count"}, {"Name": metrics.DryRunDenials, "Unit": "Count"},
						{"Name": metrics.DryRunRewrites, "Unit": "Count"}, {"Name": metrics.DryRunErrors, "Unit": "Count"},
					}}}},
				"Pipeline": r.Pipeline, "Rule": rule, "requestId": r.RequestID, "callbackId": r.CallbackID,
				"messageId": r.MessageID, "channelArn": r.ChannelArn,
				metrics.RuleActions: 1, metrics.RuleDenials: 0, metrics.RuleErrors: 0,
				metrics.DryRunDenials: 0, metrics.DryRunRewrites: 0, metrics.DryRunErrors: 0,
			}
			if err := enc.Encode(rd); err != nil {
				b.Fatal(err)
			}
		}
	}
}
