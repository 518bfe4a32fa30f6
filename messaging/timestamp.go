package messaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	smithytime "github.com/aws/smithy-go/time"
)

// UnmarshalJSON decodes a ChannelFlow of a rest-json response, whose
// timestamps are epoch seconds as JSON numbers (the protocol's default
// timestamp format). RFC 3339 strings are accepted too.
func (f *ChannelFlow) UnmarshalJSON(b []byte) error {
	type plain ChannelFlow // no methods: no recursion
	aux := struct {
		*plain
		CreatedTimestamp     json.RawMessage `json:"CreatedTimestamp"`
		LastUpdatedTimestamp json.RawMessage `json:"LastUpdatedTimestamp"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	var err error
	if f.CreatedTimestamp, err = parseTimestamp(aux.CreatedTimestamp); err != nil {
		return fmt.Errorf("CreatedTimestamp: %w", err)
	}
	if f.LastUpdatedTimestamp, err = parseTimestamp(aux.LastUpdatedTimestamp); err != nil {
		return fmt.Errorf("LastUpdatedTimestamp: %w", err)
	}
	return nil
}

// parseTimestamp parses epoch seconds (a number, possibly fractional,
// millisecond precision as in the SDK) or an RFC 3339 string; absent and
// null give nil.
func parseTimestamp(raw json.RawMessage) (*time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return &t, nil
		}
		raw = []byte(s)
	}
	secs, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil, fmt.Errorf("not epoch seconds nor RFC 3339: %s", raw)
	}
	t := smithytime.ParseEpochSeconds(secs)
	return &t, nil
}
