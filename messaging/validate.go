package messaging

import (
	"context"
	"crypto/sha256"
	"fmt"
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

// CallbackParts selects the parts of a ChannelFlowCallback request that
// CheckCallback checks. A caller that has already checked some parts, and
// knows they have not changed since, checks only the others.
type CallbackParts uint8

// The parts of a ChannelFlowCallback request.
const (
	// PartIDs: CallbackId, ChannelArn, ChannelMessage.MessageId and
	// ChannelMessage.SubChannelId, and the presence of ChannelMessage.
	PartIDs CallbackParts = 1 << iota
	// PartContent: ChannelMessage.Content.
	PartContent
	// PartMetadata: ChannelMessage.Metadata.
	PartMetadata
	// PartPushNotification: ChannelMessage.PushNotification.
	PartPushNotification
	// PartMessageAttributes: ChannelMessage.MessageAttributes.
	PartMessageAttributes
	// PartContentType: ChannelMessage.ContentType.
	PartContentType

	// AllParts is the whole request.
	AllParts = PartIDs | PartContent | PartMetadata | PartPushNotification | PartMessageAttributes | PartContentType
)

// CheckCallback is the one check of a ChannelFlowCallback request against
// the service model: every length (in characters, not bytes), every pattern
// and every enum of the parts selected, and that every string is valid UTF-8
// (encoding/json would otherwise send U+FFFD in place of the invalid bytes,
// a text other than the one checked). It returns an *InvalidParamsError
// listing every violation, or nil, and allocates only when something is
// wrong.
//
// The patterns matter as much as the lengths: Metadata and
// PushNotification.Title carry the model's pattern `.*`, which, read as the
// service reads it (Java), matches no line terminator (\n, \r, U+0085,
// U+2028, U+2029); ChannelArn must match the ChimeArn pattern; MessageId and
// SubChannelId are [-_a-zA-Z0-9]. Content, PushNotification.Body, attribute
// names and values and ContentType carry `[\s\S]*`, which any text matches.
//
// Empty optional strings are omitted on the wire, so an empty Content,
// Metadata, Title, Body or ContentType is never a violation here; whether
// a message may be delivered without content is the caller's decision.
//
// Validate calls it with AllParts, and so does Client.ChannelFlowCallback
// before sending, unless the context says the caller has already checked
// that very request (see WithCheckedCallback). The processor checks an
// event once with it, and after a rule changed a message only the parts
// the rule changed.
func CheckCallback(in *ChannelFlowCallbackInput, parts CallbackParts) error {
	if in == nil {
		return &InvalidParamsError{Operation: OpChannelFlowCallback, Params: []ParamError{{Field: "input", Reason: "required"}}}
	}
	var v validator
	ids := parts&PartIDs != 0
	if ids {
		v.text("CallbackId", in.CallbackID, MinCallbackIDLen, MaxCallbackIDLen, false)
		v.arn("ChannelArn", in.ChannelArn)
	}
	m := in.ChannelMessage
	if m == nil {
		if ids {
			v.add("ChannelMessage", "required")
		}
		return v.err(OpChannelFlowCallback)
	}
	if ids {
		v.id("ChannelMessage.MessageId", m.MessageID, true)
	}
	if parts&PartContent != 0 {
		v.text("ChannelMessage.Content", m.Content, 0, -1, false)
	}
	if parts&PartMetadata != 0 {
		v.text("ChannelMessage.Metadata", m.Metadata, 0, MaxMetadataLen, true)
	}
	if p := m.PushNotification; p != nil && parts&PartPushNotification != 0 {
		v.text("ChannelMessage.PushNotification.Title", p.Title, 0, MaxPushTitleLen, true)
		v.text("ChannelMessage.PushNotification.Body", p.Body, 0, MaxPushBodyLen, false)
		if p.Type != "" && p.Type != "DEFAULT" && p.Type != "VOIP" {
			v.add("ChannelMessage.PushNotification.Type", "must be DEFAULT or VOIP")
		}
	}
	if parts&PartMessageAttributes != 0 {
		first := len(v.params)
		for name, val := range m.MessageAttributes {
			// Field names are built only for a violation: the check must
			// not allocate on the happy path.
			if r, at := textProblem(name, 1, MaxAttributeNameLen, false); r != "" {
				v.add(attributeField(name), describe(r, at, name, 1, MaxAttributeNameLen))
			}
			for i, s := range val.StringValues {
				if r, at := textProblem(s, 1, MaxAttributeValueLen, false); r != "" {
					v.add(attributeField(name)+".StringValues["+strconv.Itoa(i)+"]", describe(r, at, s, 1, MaxAttributeValueLen))
				}
			}
		}
		// Map iteration must not make the order of problems vary.
		slices.SortStableFunc(v.params[first:], func(a, b ParamError) int { return strings.Compare(a.Field, b.Field) })
	}
	if ids {
		v.id("ChannelMessage.SubChannelId", m.SubChannelID, false)
	}
	if parts&PartContentType != 0 {
		v.text("ChannelMessage.ContentType", m.ContentType, 0, MaxContentTypeLen, false)
	}
	return v.err(OpChannelFlowCallback)
}

// Validate checks the whole request against the service model: it is
// CheckCallback(in, AllParts).
func (in *ChannelFlowCallbackInput) Validate() error { return CheckCallback(in, AllParts) }

// checkedKey is the context key of WithCheckedCallback.
type checkedKey struct{}

// WithCheckedCallback returns a copy of ctx under which
// Client.ChannelFlowCallback sends in without checking it again: the caller
// has checked this very request (every part, with CheckCallback, at once or
// part by part) and does not change it until the call returns. It is how
// the processor's handler checks each message once: the event when it
// arrives, a rule's rewrite when the rule returns, and nothing more before
// the callback.
//
// The mark names the request by its pointer: any other request sent with
// the same context is checked as usual, and a callback that is not the
// client (a recorder, an adapter to the official client) ignores it.
func WithCheckedCallback(ctx context.Context, in *ChannelFlowCallbackInput) context.Context {
	return context.WithValue(ctx, checkedKey{}, in)
}

// CallbackChecked reports whether ctx marks in as checked (see
// WithCheckedCallback). An adapter to another client, such as the official
// one, can use it to leave out that client's own input validation.
func CallbackChecked(ctx context.Context, in *ChannelFlowCallbackInput) bool {
	return in != nil && ctx.Value(checkedKey{}) == in
}

// callbackCheck returns what the client validates before sending in: in
// itself, or nothing when ctx marks in as already checked.
func callbackCheck(ctx context.Context, in *ChannelFlowCallbackInput) validatable {
	if CallbackChecked(ctx, in) {
		return checked{}
	}
	return in
}

// checked is a request already checked by its sender.
type checked struct{}

func (checked) Validate() error { return nil }

// ValidARN reports whether s matches the model's ChimeArn shape: 5-1600
// characters of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, with
// the first four parts in [a-z0-9-.] (at most 63 each, the partition not
// empty) and a resource of at most 1024 characters that does not start with
// '/' and holds no line terminator (\n, \r, U+0085, U+2028, U+2029) after
// its first character, as the model's Java pattern reads.
func ValidARN(s string) bool {
	r, _ := arnProblem(s)
	return r == ""
}

// Reasons arnProblem gives.
const (
	arnPrefix    = "not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
	arnPartChar  = "a character outside [a-z0-9-.] in the partition, service, region or account"
	arnPartLong  = "the partition, service, region or account is longer than 63 characters"
	arnPartition = "the partition is empty"
	arnResource  = "the resource is empty or starts with '/'"
	arnLong      = "the resource is longer than 1024 characters"
)

// arnProblem returns why s does not match ChimeArn, and the byte offset of
// the problem when it has one (else -1), or "" when it matches. It reads
// the prefix byte by byte and the resource with a few byte searches. The
// prefix before the resource is ASCII (at most 4+4*64 bytes) and
// the resource at most 1024 characters, so the model's bounds of 5 and 1600
// characters never bind on their own.
func arnProblem(s string) (reason string, at int) {
	if len(s) < 4 || s[:4] != "arn:" {
		return arnPrefix, -1
	}
	i := 4
	for part := 0; part < 4; part++ {
		start := i
		for i < len(s) && s[i] != ':' {
			if !arnPartChars[s[i]] {
				return arnPartChar, i
			}
			i++
		}
		switch {
		case i == len(s):
			return arnPrefix, -1
		case i-start > 63:
			return arnPartLong, start
		case part == 0 && i == start:
			return arnPartition, i
		}
		i++
	}
	res := s[i:]
	if res == "" || res[0] == '/' {
		return arnResource, i
	}
	if j := invalidUTF8(res); j >= 0 {
		return reasonUTF8, i + j
	}
	// The pattern's [^/] takes any first character, line terminators
	// included; its '.' (Java) refuses them after it.
	_, size := utf8.DecodeRuneInString(res)
	if j := LineBreak(res[size:]); j >= 0 {
		return reasonLineBreak, i + size + j
	}
	if len(res) > 1024 && utf8.RuneCountInString(res) > 1024 {
		return arnLong, -1
	}
	return "", -1
}

// arnPartChars holds the characters of [a-z0-9-.].
var arnPartChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'] = true, true
	return t
}()

// idChar holds the characters of [-_a-zA-Z0-9].
var idChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'] = true, true
	return t
}()

// ValidID reports whether s is a MessageId or SubChannelId: 1-128 characters
// of [-_a-zA-Z0-9].
func ValidID(s string) bool { return len(s) >= 1 && len(s) <= MaxMessageIDLen && badIDChar(s) < 0 }

// badIDChar returns the index of the first byte of s outside
// [-_a-zA-Z0-9], or -1.
func badIDChar(s string) int {
	for i := 0; i < len(s); i++ {
		if !idChar[s[i]] {
			return i
		}
	}
	return -1
}

// isLineTerminator reports whether Java's '.' refuses r.
func isLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
}

// LineBreak returns the byte offset in s of the first line terminator the
// model's pattern `.*` refuses (\n, \r, U+0085, U+2028 or U+2029), or -1.
// It scans s with a few byte searches, not rune by rune.
func LineBreak(s string) int {
	end := len(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		end = i
	}
	if i := strings.IndexByte(s[:end], '\r'); i >= 0 {
		end = i
	}
	// U+0085 is C2 85; U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
	for off := 0; off < end; {
		i := strings.IndexByte(s[off:end], 0xC2)
		if i < 0 {
			break
		}
		i += off
		if i+1 < len(s) && s[i+1] == 0x85 {
			end = i
			break
		}
		off = i + 1
	}
	for off := 0; off < end; {
		i := strings.IndexByte(s[off:end], 0xE2)
		if i < 0 {
			break
		}
		i += off
		if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			end = i
			break
		}
		off = i + 1
	}
	if end == len(s) {
		return -1
	}
	return end
}

// invalidUTF8 returns the byte offset of the first byte of s that is not
// part of valid UTF-8, or -1.
func invalidUTF8(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// Reasons textProblem gives; describe adds the numbers.
const (
	reasonEmpty     = "must not be empty"
	reasonShort     = "below the minimum"
	reasonLong      = "exceeds the maximum"
	reasonUTF8      = "invalid UTF-8"
	reasonLineBreak = "line break"
)

// textProblem checks one string: lo-hi characters (hi < 0: no maximum;
// lo 0: may be empty, as an omitted optional member), valid UTF-8, and,
// when oneLine, no line terminator (the model's pattern `.*`). It returns
// "" or one of the reason constants, with the byte offset of the problem
// for reasonUTF8 and reasonLineBreak. It never allocates.
func textProblem(s string, lo, hi int, oneLine bool) (reason string, at int) {
	if s == "" {
		if lo > 0 {
			return reasonEmpty, -1
		}
		return "", -1
	}
	// A string has no more characters than bytes: count them only when the
	// byte length does not settle it.
	if len(s) < lo {
		return reasonShort, -1
	}
	if hi >= 0 && len(s) > hi || lo > 1 {
		n := utf8.RuneCountInString(s)
		if hi >= 0 && n > hi {
			return reasonLong, -1
		}
		if n < lo {
			return reasonShort, -1
		}
	}
	if i := invalidUTF8(s); i >= 0 {
		return reasonUTF8, i
	}
	if oneLine {
		if i := LineBreak(s); i >= 0 {
			return reasonLineBreak, i
		}
	}
	return "", -1
}

// describe turns a textProblem result for s (lo-hi characters) into a
// ParamError reason that says what is wrong and where, never what s says:
// the values checked here are what senders wrote, and errors are logged.
func describe(reason string, at int, s string, lo, hi int) string {
	switch reason {
	case reasonEmpty:
		if lo > 1 {
			return "required (" + strconv.Itoa(lo) + "-" + strconv.Itoa(hi) + " characters)"
		}
	case reasonShort:
		return "length " + strconv.Itoa(utf8.RuneCountInString(s)) + " is below the minimum " + strconv.Itoa(lo)
	case reasonLong:
		return "length " + strconv.Itoa(utf8.RuneCountInString(s)) + " exceeds the maximum " + strconv.Itoa(hi)
	case reasonUTF8:
		return "invalid UTF-8 at byte " + strconv.Itoa(at)
	case reasonLineBreak:
		r, _ := utf8.DecodeRuneInString(s[at:])
		return fmt.Sprintf("line break (U+%04X) at character %d; the model's pattern .* allows none", r, utf8.RuneCountInString(s[:at])+1)
	}
	return reason
}

// validator collects violations; the zero value is ready and allocates
// nothing until the first violation.
type validator struct{ params []ParamError }

func (v *validator) add(field, reason string) {
	v.params = append(v.params, ParamError{Field: field, Reason: reason})
}

// attributeField names a message attribute in a ParamError, by
// AttributeRef: the name is what a sender wrote.
func attributeField(name string) string {
	return "ChannelMessage.MessageAttributes[" + AttributeRef(name) + "]"
}

// AttributeRef names a message attribute in errors and log lines without
// its name, which a sender wrote (the service model marks attribute names
// sensitive): "#" and the first 8 hexadecimal digits of the SHA-256 of the
// name, e.g. #9f86d081 for "test"; "" for the empty name. Errors name an
// attribute ChannelMessage.MessageAttributes[#9f86d081]; whoever holds the
// event finds the attribute by computing the same digest of each name
// (printf %s NAME | sha256sum).
func AttributeRef(name string) string {
	if name == "" {
		return `""`
	}
	sum := sha256.Sum256([]byte(name))
	const digits = "0123456789abcdef"
	var b [9]byte
	b[0] = '#'
	for i := range 4 {
		b[1+2*i], b[2+2*i] = digits[sum[i]>>4], digits[sum[i]&15]
	}
	return string(b[:])
}

// text checks one string field with textProblem and records the problem.
func (v *validator) text(field, s string, lo, hi int, oneLine bool) {
	if r, at := textProblem(s, lo, hi, oneLine); r != "" {
		v.add(field, describe(r, at, s, lo, hi))
	}
}

// length checks the length of s in characters, lo-hi.
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

// arn checks that s is a ChimeArn, saying what is wrong and where.
func (v *validator) arn(field, s string) {
	if s == "" {
		v.add(field, "required")
		return
	}
	r, at := arnProblem(s)
	if r == "" {
		return
	}
	switch r {
	case reasonLineBreak, reasonUTF8:
		r = describe(r, at, s, MinARNLen, MaxARNLen)
	case arnPartChar, arnPartLong, arnPartition, arnResource:
		r += " (byte " + strconv.Itoa(at) + ")"
	}
	v.add(field, r)
}

// id checks a MessageId or SubChannelId.
func (v *validator) id(field, s string, required bool) {
	switch {
	case s == "":
		if required {
			v.add(field, "required")
		}
	case len(s) > MaxMessageIDLen:
		v.add(field, "length "+strconv.Itoa(utf8.RuneCountInString(s))+" exceeds the maximum "+strconv.Itoa(MaxMessageIDLen))
	default:
		if i := badIDChar(s); i >= 0 {
			v.add(field, "byte "+strconv.Itoa(i)+" is outside [-_a-zA-Z0-9]")
		}
	}
}

func (v *validator) err(op string) error {
	if len(v.params) == 0 {
		return nil
	}
	return &InvalidParamsError{Operation: op, Params: v.params}
}

// truncate cuts s to at most n bytes, at a character boundary, marking the
// cut with "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
