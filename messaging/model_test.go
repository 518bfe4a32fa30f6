package messaging

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
)

// The tests check the wire format against the official service model,
// copied verbatim from botocore's chime-sdk-messaging 2021-05-15 model.
const modelPath = "testdata/chime-sdk-messaging-2021-05-15.service.json"

// serviceModel is the verbatim model, read by package awsmodel as the
// stand-ins read theirs.
type serviceModel struct{ *awsmodel.Model }

var loadModelOnce = sync.OnceValues(func() (*serviceModel, error) {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	m, err := awsmodel.Load(b)
	if err != nil {
		return nil, err
	}
	return &serviceModel{m}, nil
})

func loadModel(t testing.TB) *serviceModel {
	t.Helper()
	m, err := loadModelOnce()
	require.NoError(t, err, "read the service model")
	return m
}

func (m *serviceModel) shape(t testing.TB, name string) *awsmodel.Shape {
	t.Helper()
	s, ok := m.Shapes[name]
	require.True(t, ok, "shape %s is not in the service model", name)
	return s
}

func (m *serviceModel) op(t testing.TB, name string) *awsmodel.Operation {
	t.Helper()
	op, ok := m.Operations[name]
	require.True(t, ok, "operation %s is not in the service model", name)
	return op
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
// service matches whole values), as package awsmodel reads it for the
// stand-ins, once per pattern.
func modelRegexp(pattern string) (*regexp.Regexp, error) {
	if v, ok := patternCache.Load(pattern); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	re, err := awsmodel.CompilePattern(pattern)
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
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
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

func deref(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
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
