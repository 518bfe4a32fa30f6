package messaging

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the service model (chime-sdk-messaging-2021-05-15). Lengths are
// counted in Unicode code points, as the model's string lengths are.
const (
	MinCallbackIDLen       = 32
	MaxCallbackIDLen       = 64
	MaxMessageIDLen        = 128
	MinARNLen              = 5
	MaxARNLen              = 1600
	MaxMetadataLen         = 1024
	MaxPushTitleLen        = 50
	MaxPushBodyLen         = 150
	MaxAttributeNameLen    = 64
	MaxAttributeValueLen   = 512
	MaxSubChannelIDLen     = 128
	MaxContentTypeLen      = 45
	MaxClientRequestToken  = 64
	MinClientRequestToken  = 2
	MaxResourceNameLen     = 256
	MaxProcessors          = 3
	MaxChannelFlowPageSize = 50
)

// Validate checks the request against the service model's limits and
// patterns and returns an *InvalidParamsError listing every violation, or
// nil. It allocates only when something is wrong.
func (in *ChannelFlowCallbackInput) Validate() error {
	var v validator
	v.length("CallbackId", in.CallbackID, MinCallbackIDLen, MaxCallbackIDLen)
	v.arn("ChannelArn", in.ChannelArn)
	if in.ChannelMessage == nil {
		v.add("ChannelMessage", "required")
		return v.err("ChannelFlowCallback")
	}
	m := in.ChannelMessage
	v.id("ChannelMessage.MessageId", m.MessageID, true)
	// Content and Metadata are optional; an empty string is omitted on the wire.
	v.length("ChannelMessage.Metadata", m.Metadata, 0, MaxMetadataLen)
	if p := m.PushNotification; p != nil {
		v.length("ChannelMessage.PushNotification.Title", p.Title, 0, MaxPushTitleLen)
		v.length("ChannelMessage.PushNotification.Body", p.Body, 0, MaxPushBodyLen)
		if p.Type != "" && p.Type != "DEFAULT" && p.Type != "VOIP" {
			v.add("ChannelMessage.PushNotification.Type", strconv.Quote(p.Type)+" is not DEFAULT or VOIP")
		}
	}
	first := len(v.params)
	for name, val := range m.MessageAttributes {
		// Field names are built only for a violation: Validate must not
		// allocate on the happy path.
		if !lengthOK(name, 1, MaxAttributeNameLen) {
			v.length(attributeField(name), name, 1, MaxAttributeNameLen)
		}
		for i, s := range val.StringValues {
			if !lengthOK(s, 1, MaxAttributeValueLen) {
				v.length(attributeField(name)+".StringValues["+strconv.Itoa(i)+"]", s, 1, MaxAttributeValueLen)
			}
		}
	}
	// Map iteration must not make the order of problems vary.
	slices.SortStableFunc(v.params[first:], func(a, b ParamError) int { return strings.Compare(a.Field, b.Field) })
	v.id("ChannelMessage.SubChannelId", m.SubChannelID, false)
	v.length("ChannelMessage.ContentType", m.ContentType, 0, MaxContentTypeLen)
	return v.err("ChannelFlowCallback")
}

// ValidARN reports whether s matches the model's ChimeArn shape: 5-1600
// characters of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, with
// the first four parts in [a-z0-9-.] (at most 63 each, the partition not
// empty) and a resource of at most 1024 characters that does not start with
// '/' and holds no line terminator (\n, \r, U+0085, U+2028, U+2029) after
// its first character, as the model's Java pattern reads.
func ValidARN(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < MinARNLen || n > MaxARNLen || len(s) < 4 || s[:4] != "arn:" {
		return false
	}
	rest := s[4:]
	for part := 0; part < 4; part++ {
		i := 0
		for i < len(rest) && rest[i] != ':' {
			c := rest[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				return false
			}
			i++
		}
		if i == len(rest) || i > 63 || part == 0 && i == 0 {
			return false
		}
		rest = rest[i+1:]
	}
	if rest == "" || rest[0] == '/' || !utf8.ValidString(rest) || utf8.RuneCountInString(rest) > 1024 {
		return false
	}
	// The pattern's [^/] takes any first character; its '.' (Java) then
	// excludes the line terminators.
	_, size := utf8.DecodeRuneInString(rest)
	for _, r := range rest[size:] {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			return false
		}
	}
	return true
}

// ValidID reports whether s is a MessageId or SubChannelId: 1-128 characters
// of [-_a-zA-Z0-9].
func ValidID(s string) bool {
	if len(s) < 1 || len(s) > MaxMessageIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validator collects violations; the zero value is ready and allocates
// nothing until the first violation.
type validator struct{ params []ParamError }

func (v *validator) add(field, reason string) {
	v.params = append(v.params, ParamError{Field: field, Reason: reason})
}

func attributeField(name string) string {
	return "ChannelMessage.MessageAttributes[" + strconv.Quote(name) + "]"
}

// lengthOK reports whether s has lo to hi code points.
func lengthOK(s string, lo, hi int) bool {
	// Fast path: a string has no more code points than bytes.
	if len(s) <= hi && (lo == 0 || lo == 1 && len(s) >= 1) {
		return true
	}
	n := utf8.RuneCountInString(s)
	return n >= lo && n <= hi
}

func (v *validator) length(field, s string, lo, hi int) {
	// Fast path: a string has no more code points than bytes.
	if len(s) <= hi && (lo == 0 || lo == 1 && len(s) >= 1) {
		return
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < lo && lo == 1:
		v.add(field, "must not be empty")
	case n == 0:
		v.add(field, "required ("+strconv.Itoa(lo)+"-"+strconv.Itoa(hi)+" characters)")
	case n < lo:
		v.add(field, "length "+strconv.Itoa(n)+" is below the minimum "+strconv.Itoa(lo))
	case n > hi:
		v.add(field, "length "+strconv.Itoa(n)+" exceeds the maximum "+strconv.Itoa(hi))
	}
}

func (v *validator) arn(field, s string) {
	if s == "" {
		v.add(field, "required")
	} else if !ValidARN(s) {
		v.add(field, strconv.Quote(truncate(s, 80))+" is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, 5-1600 characters)")
	}
}

func (v *validator) id(field, s string, required bool) {
	if s == "" {
		if required {
			v.add(field, "required")
		}
		return
	}
	if !ValidID(s) {
		v.add(field, strconv.Quote(truncate(s, 80))+" must be 1-128 characters of [-_a-zA-Z0-9]")
	}
}

func (v *validator) err(op string) error {
	if len(v.params) == 0 {
		return nil
	}
	return &InvalidParamsError{Operation: op, Params: v.params}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
