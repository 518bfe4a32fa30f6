package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMetadataNotObject is returned by SetMetadataField when the message's
// metadata is neither empty nor a JSON object: it is left intact rather than
// corrupted.
var ErrMetadataNotObject = errors.New("metadata is not a JSON object")

// metadataObject decodes the message's metadata as a JSON object. Empty
// metadata is an empty object; anything else that is not a JSON object
// returns ErrMetadataNotObject.
func (m *Message) metadataObject() (map[string]json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace([]byte(m.Metadata))) == 0 {
		return obj, nil
	}
	if err := json.Unmarshal([]byte(m.Metadata), &obj); err != nil || obj == nil {
		return nil, ErrMetadataNotObject
	}
	return obj, nil
}

// setMetadataObject replaces the metadata with obj encoded as compact JSON
// (keys sorted), on one line: encoding/json escapes U+2028 and U+2029, and
// U+0085 is escaped here, so that the model's pattern for Metadata, which
// allows no line terminator, holds.
func (m *Message) setMetadataObject(obj map[string]json.RawMessage) error {
	b, err := marshalCompact(obj)
	if err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	m.Metadata = jsonLineTerminators.Replace(string(b))
	return nil
}

// SetMetadataField sets one top-level key of JSON-object metadata to value
// (encoded with encoding/json), keeping every other key. It is how rules
// annotate a message for clients. Non-JSON metadata is left intact and
// ErrMetadataNotObject returned. The result is compact JSON on one line,
// whatever the value holds; the pipeline checks it against the
// 1024-character limit after the rule returns.
func (m *Message) SetMetadataField(key string, value any) error {
	obj, err := m.metadataObject()
	if err != nil {
		return err
	}
	raw, err := marshalCompact(value)
	if err != nil {
		return fmt.Errorf("encode metadata field %q: %w", key, err)
	}
	obj[key] = raw
	return m.setMetadataObject(obj)
}

// DeleteMetadataField removes one top-level key of JSON-object metadata and
// reports whether it was there. Metadata that is empty or not a JSON object
// holds no such key and is left as it is. A rule that owns a key (a flag, an
// annotation) deletes a value the sender wrote under it before deciding, so
// that a client cannot forge it.
func (m *Message) DeleteMetadataField(key string) (bool, error) {
	obj, err := m.metadataObject()
	if err != nil || len(obj) == 0 {
		return false, nil
	}
	if _, ok := obj[key]; !ok {
		return false, nil
	}
	delete(obj, key)
	return true, m.setMetadataObject(obj)
}

// marshalCompact encodes v as JSON without escaping <, > and & (which
// json.Marshal writes as six characters each): metadata is not HTML, and
// its 1024-character limit is the callback's.
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
