package messaging

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests check the wire format against the official service model,
// copied verbatim from botocore's chime-sdk-messaging 2021-05-15 model.
const modelPath = "testdata/chime-sdk-messaging-2021-05-15.service.json"

type shapeRef struct {
	Shape            string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	IdempotencyToken bool   `json:"idempotencyToken"`
}

type modelShape struct {
	Type     string              `json:"type"`
	Required []string            `json:"required"`
	Members  map[string]shapeRef `json:"members"`
	Member   *shapeRef           `json:"member"`
	Key      *shapeRef           `json:"key"`
	Value    *shapeRef           `json:"value"`
	Min      *float64            `json:"min"`
	Max      *float64            `json:"max"`
	Pattern  string              `json:"pattern"`
	Enum     []string            `json:"enum"`
}

type modelOp struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *shapeRef  `json:"input"`
	Output *shapeRef  `json:"output"`
	Errors []shapeRef `json:"errors"`
}

type serviceModel struct {
	Metadata struct {
		EndpointPrefix   string `json:"endpointPrefix"`
		Protocol         string `json:"protocol"`
		ServiceID        string `json:"serviceId"`
		SigningName      string `json:"signingName"`
		SignatureVersion string `json:"signatureVersion"`
	} `json:"metadata"`
	Operations map[string]modelOp     `json:"operations"`
	Shapes     map[string]*modelShape `json:"shapes"`
}

var loadModelOnce = sync.OnceValues(func() (*serviceModel, error) {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	var m serviceModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
})

func loadModel(t testing.TB) *serviceModel {
	t.Helper()
	m, err := loadModelOnce()
	require.NoError(t, err, "read the service model")
	return m
}

func (m *serviceModel) shape(t testing.TB, name string) *modelShape {
	t.Helper()
	s, ok := m.Shapes[name]
	require.True(t, ok, "shape %s is not in the service model", name)
	return s
}

func (m *serviceModel) op(t testing.TB, name string) modelOp {
	t.Helper()
	op, ok := m.Operations[name]
	require.True(t, ok, "operation %s is not in the service model", name)
	return op
}

// javaDot rewrites each '.' outside a character class as Java reads it: any
// character but the line terminators (RE2's '.' only excludes \n).
func javaDot(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			i++
			b.WriteByte(p[i])
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '.' && !inClass:
			b.WriteString(`[^\n\r\x{85}\x{2028}\x{2029}]`)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// splitRequestURI splits a requestUri into its path template and its fixed
// query pairs.
func splitRequestURI(uri string) (path string, fixed map[string]string) {
	path, query, _ := strings.Cut(uri, "?")
	fixed = map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		fixed[k] = v
	}
	return path, fixed
}

var patternCache sync.Map // pattern -> *regexp.Regexp or error

// modelRegexp compiles a model pattern (Java syntax) for RE2, anchored (the
// service matches whole values): \uXXXX and \uXXXXX escapes become \x{...}.
func modelRegexp(pattern string) (*regexp.Regexp, error) {
	if v, ok := patternCache.Load(pattern); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	p := regexp.MustCompile(`\\u([0-9A-Fa-f]{4,6})`).ReplaceAllString(pattern, `\x{$1}`)
	// RE2 caps a repeat at 1000: split X{lo,hi} into X{lo,1000}X{0,hi-1000}
	// for the single-character atoms the model uses.
	p = regexp.MustCompile(`(\.|\[[^\]]*\])\{(\d+),(\d+)\}`).ReplaceAllStringFunc(p, func(s string) string {
		i := strings.LastIndexByte(s, '{')
		atom, bounds := s[:i], strings.Split(strings.Trim(s[i:], "{}"), ",")
		lo, _ := strconv.Atoi(bounds[0])
		hi, _ := strconv.Atoi(bounds[1])
		if hi <= 1000 || lo > 1000 {
			return s
		}
		return fmt.Sprintf("%s{%d,1000}%s{0,%d}", atom, lo, atom, hi-1000)
	})
	p = javaDot(p)
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		patternCache.Store(pattern, err)
		return nil, err
	}
	patternCache.Store(pattern, re)
	return re, nil
}

// checkValue reports every way v (decoded from JSON, numbers as
// json.Number) breaks the model shape name. Unknown structure members are
// reported too.
func (m *serviceModel) checkValue(name string, v any, path string) []string {
	s := m.Shapes[name]
	if s == nil {
		return []string{path + ": shape " + name + " missing from the service model"}
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	length := func(n int) {
		if s.Min != nil && float64(n) < *s.Min {
			bad("length %d below min %v", n, *s.Min)
		}
		if s.Max != nil && float64(n) > *s.Max {
			bad("length %d above max %v", n, *s.Max)
		}
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			break
		}
		for _, req := range s.Required {
			if _, ok := obj[req]; !ok {
				bad("required member %s missing", req)
			}
		}
		for k, val := range obj {
			ref, ok := s.Members[k]
			if !ok {
				bad("member %s is not in shape %s", k, name)
				continue
			}
			errs = append(errs, m.checkValue(ref.Shape, val, path+"."+k)...)
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			break
		}
		length(len(arr))
		for i, e := range arr {
			errs = append(errs, m.checkValue(s.Member.Shape, e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			break
		}
		length(len(obj))
		for k, e := range obj {
			errs = append(errs, m.checkValue(s.Key.Shape, k, path+".key")...)
			errs = append(errs, m.checkValue(s.Value.Shape, e, path+"["+strconv.Quote(k)+"]")...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
			break
		}
		length(utf8.RuneCountInString(str))
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			bad("%q not in enum %v", str, s.Enum)
		}
		if s.Pattern != "" {
			re, err := modelRegexp(s.Pattern)
			if err != nil {
				bad("pattern %q does not compile: %v", s.Pattern, err)
			} else if !re.MatchString(str) {
				bad("%q does not match pattern %q", str, s.Pattern)
			}
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		if !ok {
			bad("want a number, got %T", v)
			break
		}
		i, err := n.Int64()
		if err != nil {
			bad("%s is not an integer", n)
			break
		}
		if s.Min != nil && float64(i) < *s.Min || s.Max != nil && float64(i) > *s.Max {
			bad("%d outside [%v, %v]", i, deref(s.Min, math.Inf(-1)), deref(s.Max, math.Inf(1)))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	case "timestamp":
		if _, ok := v.(json.Number); !ok {
			bad("want epoch seconds, got %T", v)
		}
	default:
		bad("shape type %s not handled by the test", s.Type)
	}
	return errs
}

// memberPaths lists the dotted paths of every member reachable from shape
// name ("ChannelMessage.PushNotification.Title", "Processors[].Name", ...).
func (m *serviceModel) memberPaths(name, prefix string, seen map[string]bool, out map[string]bool) {
	s := m.Shapes[name]
	if s == nil || seen[name] {
		return
	}
	seen[name] = true
	defer delete(seen, name)
	switch s.Type {
	case "structure":
		for k, ref := range s.Members {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out[p] = true
			m.memberPaths(ref.Shape, p, seen, out)
		}
	case "list":
		m.memberPaths(s.Member.Shape, prefix+"[]", seen, out)
	case "map":
		m.memberPaths(s.Value.Shape, prefix+"{}", seen, out)
	}
}

// valuePaths lists the member paths that v, a value of shape name, sets.
func (m *serviceModel) valuePaths(name string, v any, prefix string, out map[string]bool) {
	s := m.Shapes[name]
	if s == nil {
		return
	}
	switch s.Type {
	case "structure":
		obj, _ := v.(map[string]any)
		for k, val := range obj {
			ref, ok := s.Members[k]
			if !ok {
				continue
			}
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out[p] = true
			m.valuePaths(ref.Shape, val, p, out)
		}
	case "list":
		arr, _ := v.([]any)
		for _, e := range arr {
			m.valuePaths(s.Member.Shape, e, prefix+"[]", out)
		}
	case "map":
		obj, _ := v.(map[string]any)
		for _, e := range obj {
			m.valuePaths(s.Value.Shape, e, prefix+"{}", out)
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func deref(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestLimitsMatchModel ties the package's limit constants to the model.
func TestLimitsMatchModel(t *testing.T) {
	m := loadModel(t)
	assert.Equal(t, ServiceID, m.Metadata.ServiceID)
	assert.Equal(t, SigningName, m.Metadata.SigningName)
	assert.Equal(t, EndpointPrefix, m.Metadata.EndpointPrefix)
	assert.Equal(t, "rest-json", m.Metadata.Protocol)
	assert.Equal(t, "v4", m.Metadata.SignatureVersion)
	assert.Equal(t, "CHIME_SDK_MESSAGING", strings.ReplaceAll(strings.ToUpper(m.Metadata.ServiceID), " ", "_"))
	assert.Equal(t, EnvServiceEndpoint, "AWS_ENDPOINT_URL_"+strings.ReplaceAll(strings.ToUpper(m.Metadata.ServiceID), " ", "_"))

	limits := []struct {
		shape    string
		min, max int // -1: absent
	}{
		{"CallbackIdType", MinCallbackIDLen, MaxCallbackIDLen},
		{"MessageId", 1, MaxMessageIDLen},
		{"ChimeArn", MinARNLen, MaxARNLen},
		{"Metadata", 0, MaxMetadataLen},
		{"PushNotificationTitle", 1, MaxPushTitleLen},
		{"PushNotificationBody", 1, MaxPushBodyLen},
		{"MessageAttributeName", 1, MaxAttributeNameLen},
		{"MessageAttributeStringValue", 1, MaxAttributeValueLen},
		{"SubChannelId", 1, MaxSubChannelIDLen},
		{"ContentType", 0, MaxContentTypeLen},
		{"ClientRequestToken", MinClientRequestToken, MaxClientRequestToken},
		{"NonEmptyResourceName", 1, MaxResourceNameLen},
		{"ProcessorList", MinProcessors, MaxProcessors},
		{"ChannelFlowExecutionOrder", MinExecutionOrder, MaxExecutionOrder},
		{"LambdaFunctionArn", MinLambdaARNLen, MaxLambdaARNLen},
		{"TagList", 1, MaxTags},
		{"TagKey", 1, MaxTagKeyLen},
		{"TagValue", 1, MaxTagValueLen},
		{"MaxResults", 1, MaxChannelFlowPageSize},
		{"NextToken", 0, MaxNextTokenLen},
		{"NonEmptyContent", 1, -1},
	}
	for _, l := range limits {
		s := m.shape(t, l.shape)
		assert.Equal(t, float64(l.min), deref(s.Min, -1), "%s min", l.shape)
		assert.Equal(t, float64(l.max), deref(s.Max, -1), "%s max", l.shape)
	}
	assert.Equal(t, []string{"DEFAULT", "VOIP"}, m.shape(t, "PushNotificationType").Enum)
	assert.Equal(t, []string{string(FallbackContinue), string(FallbackAbort)}, m.shape(t, "FallbackAction").Enum)
	assert.Equal(t, []string{InvocationTypeAsync}, m.shape(t, "InvocationType").Enum)
	assert.Equal(t, `[-_a-zA-Z0-9]*`, m.shape(t, "MessageId").Pattern)
	assert.Equal(t, `[-_a-zA-Z0-9]*`, m.shape(t, "SubChannelId").Pattern)
	assert.Equal(t, `[-_a-zA-Z0-9]*`, m.shape(t, "ClientRequestToken").Pattern)
}

// TestPatternsAgreeWithModel checks ValidARN, ValidID, ValidLambdaARN and
// the resource name check against the model's own patterns.
func TestPatternsAgreeWithModel(t *testing.T) {
	m := loadModel(t)
	check := func(shape string, valid func(string) bool, samples []string) {
		t.Helper()
		s := m.shape(t, shape)
		re, err := modelRegexp(s.Pattern)
		require.NoError(t, err, shape)
		for _, v := range samples {
			n := utf8.RuneCountInString(v)
			want := utf8.ValidString(v) && re.MatchString(v) && float64(n) >= deref(s.Min, 0) && float64(n) <= deref(s.Max, math.MaxInt)
			assert.Equal(t, want, valid(v), "%s %q", shape, v)
		}
	}
	check("ChimeArn", ValidARN, arnSamples())
	check("MessageId", ValidID, []string{"", "a", "msg-1_A", "a b", "é", strings.Repeat("a", 128), strings.Repeat("a", 129), "a/b", "a.b"})
	check("ClientRequestToken", ValidClientRequestToken, []string{"", "a", "ab", "a-b_C9", strings.Repeat("x", 64), strings.Repeat("x", 65), "a b", "a.b"})
	check("LambdaFunctionArn", ValidLambdaARN, []string{
		testLambdaArn, testLambdaArn + ":$LATEST", testLambdaArn + ":live", testLambdaArn + ":1",
		"arn:aws:lambda:us-east-1:12345678901:function:f", "arn:aws:lambda:useast-1:111122223333:function:f",
		"arn:aws:lambda:us-east-1:111122223333:function:", "arn:aws-cn:lambda:cn-north-1:111122223333:function:f",
		"arn:aws:lambda:us-east-1:111122223333:function:f:$OLD", "arn:aws:lambda:us-gov-west-1:111122223333:function:f",
		"arn:aws:lambda:us-east-1:111122223333:function:f.g", " " + testLambdaArn,
	})
	check("NonEmptyResourceName", func(s string) bool { return s != "" && len([]rune(s)) <= 256 && validResourceName(s) }, []string{
		"", "flow", "tab\tok", "nul\x00", "\u0085", "\u009f", "\u00a0", "\ud7ff", "\ufffd", "\U0001F600", "\u007f", strings.Repeat("n", 256), strings.Repeat("n", 257),
	})
}

func arnSamples() []string {
	return []string{
		testChannelArn, testAppInstanceArn, testFlowArn, testBearerArn,
		"", "arn", "arn:", "arn:a", "arn:a:b:c:d:e", "arn::b:c:d:e", "arn:A:b:c:d:e", "arn:a:b:c:d:/e",
		"arn:a:b:c:d:", "arn:a:b:c:d", "arn:aws:chime:us-east-1:111122223333:x\ny", "arn:aws:chime:us-east-1:111122223333:x\ry",
		"arn:aws:chime:us-east-1:111122223333:" + strings.Repeat("r", 1024), "arn:aws:chime:us-east-1:111122223333:" + strings.Repeat("r", 1025),
		"arn:" + strings.Repeat("p", 63) + ":b:c:d:e", "arn:" + strings.Repeat("p", 64) + ":b:c:d:e", "arn:a:b_c:d:e:f",
		"arn:a:b:c:d:é", "xarn:a:b:c:d:e", "arn:a.b:c-d:e.f:0:g", "arn:a:b:c:d:\n", "arn:a:b:c:d:x\u2028",
		"arn:a:b:c:d:x\u0085", "arn:a:b:c:d:\xff", "arn:a:b:c:d:e/f:g",
	}
}
