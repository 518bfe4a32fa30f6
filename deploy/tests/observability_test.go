package tests

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/trail"
	"github.com/chimeflow/chimeflow/processor/trail/ebsink"
)

// The dashboard, the alarms and the processor's environment in
// template.yaml name metrics, dimensions, variables and the trail's source
// that the Go code defines: these tests hold the two to one source, the
// code's constants. They need no tool beyond Go.

func loadTemplate(t *testing.T) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// get follows mapping keys from n; nil when a key is missing.
func get(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func resources(t *testing.T, root *yaml.Node, typ string) map[string]*yaml.Node {
	t.Helper()
	out := map[string]*yaml.Node{}
	res := get(root, "Resources")
	for i := 0; i+1 < len(res.Content); i += 2 {
		if get(res.Content[i+1], "Type").Value == typ {
			out[res.Content[i].Value] = res.Content[i+1]
		}
	}
	return out
}

const nsPlaceholder = "${MetricsNamespace}"

var searchRe = regexp.MustCompile(`SEARCH\('\{(.*?)\} MetricName="([^"]+)"`)

// TestDashboardNamesTheCodesMetrics: every metric of the namespace the
// dashboard shows is one the Emitter writes, with the dimensions it is
// shown by.
func TestDashboardNamesTheCodesMetrics(t *testing.T) {
	root := loadTemplate(t)
	boards := resources(t, root, "AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards", len(boards))
	}
	catalog := map[string]metrics.Definition{}
	for _, d := range metrics.Catalog() {
		catalog[d.Name] = d
	}
	for _, b := range boards {
		body := get(b, "Properties", "DashboardBody")
		if body.Tag != "!Sub" {
			t.Fatalf("DashboardBody is %s, want a !Sub string", body.Tag)
		}
		var dash struct {
			Widgets []struct {
				Properties struct {
					Metrics []json.RawMessage
				}
			}
		}
		if err := json.Unmarshal([]byte(body.Value), &dash); err != nil {
			t.Fatalf("DashboardBody: %v", err)
		}
		seen := 0
		for _, w := range dash.Widgets {
			for _, raw := range w.Properties.Metrics {
				var row []any
				if err := json.Unmarshal(raw, &row); err != nil || len(row) == 0 {
					t.Fatalf("metric row %s: %v", raw, err)
				}
				if e, ok := row[0].(map[string]any); ok {
					expr, _ := e["expression"].(string)
					for _, m := range searchRe.FindAllStringSubmatch(expr, -1) {
						schema := strings.Split(m[1], ",")
						if schema[0] != nsPlaceholder {
							continue
						}
						seen++
						d, ok := catalog[m[2]]
						if !ok {
							t.Errorf("the dashboard searches %s, which the code does not write", m[2])
							continue
						}
						set := strings.Join(schema[1:], ",")
						if !slices.Contains(d.Dimensions, set) {
							t.Errorf("the dashboard searches %s by {%s}; the code writes it by %q", m[2], set, d.Dimensions)
						}
					}
					continue
				}
				ns, _ := row[0].(string)
				if ns != nsPlaceholder {
					continue
				}
				seen++
				name, _ := row[1].(string)
				d, ok := catalog[name]
				if !ok {
					t.Errorf("the dashboard shows %s, which the code does not write", name)
					continue
				}
				var dims []string
				for _, x := range row[2:] {
					if s, ok := x.(string); ok {
						dims = append(dims, s)
					}
				}
				if len(dims) == 0 && !slices.Contains(d.Dimensions, "") {
					t.Errorf("the dashboard shows %s without dimensions; the code writes it by %q", name, d.Dimensions)
				}
			}
		}
		if seen < 15 {
			t.Errorf("only %d metrics of the namespace found on the dashboard: is the parsing right?", seen)
		}
	}
}

// TestAlarmsNameTheCodesMetrics: every alarm on the processor's namespace
// watches a metric the code writes without dimensions.
func TestAlarmsNameTheCodesMetrics(t *testing.T) {
	root := loadTemplate(t)
	n := 0
	for id, a := range resources(t, root, "AWS::CloudWatch::Alarm") {
		ns := get(a, "Properties", "Namespace")
		if ns.Tag != "!Ref" || ns.Value != "MetricsNamespace" {
			continue
		}
		n++
		name := get(a, "Properties", "MetricName").Value
		if !slices.Contains(metrics.Names(), name) {
			t.Errorf("%s watches %s, which the code does not write", id, name)
		}
		if get(a, "Properties", "Dimensions") != nil {
			t.Errorf("%s watches %s by dimensions; the alarms use the totals", id, name)
		}
	}
	if n < 2 {
		t.Errorf("%d alarms on the processor's namespace, want at least 2", n)
	}
}

// TestTemplateParametersMatchTheCode: the defaults and patterns of the
// observability parameters agree with what the code accepts, and the
// environment variables are the ones the code reads.
func TestTemplateParametersMatchTheCode(t *testing.T) {
	root := loadTemplate(t)
	params := get(root, "Parameters")
	if d := get(params, "MetricsNamespace", "Default").Value; d != metrics.DefaultNamespace {
		t.Errorf("MetricsNamespace default %q, the code's %q", d, metrics.DefaultNamespace)
	}
	// Every value the MetricsDimensions pattern accepts, and only those,
	// OptionsFromEnv accepts.
	dimPattern := regexp.MustCompile(get(params, "MetricsDimensions", "AllowedPattern").Value)
	candidates := []string{"none", "", "Pipeline", "Outcome", "Rule", "Pipeline,Rule", "Rule,Pipeline", "Pipeline,Outcome,Rule",
		"MessageId", "Pipeline,MessageId", "Pipeline,", "pipeline", "Code", "ErrorKind"}
	for _, c := range candidates {
		_, err := metrics.OptionsFromEnv(func(k string) string {
			if k == metrics.EnvDimensions {
				return c
			}
			return ""
		})
		if c == "" {
			continue // the parameter always sets a value
		}
		if dimPattern.MatchString(c) != (err == nil) {
			t.Errorf("MetricsDimensions %q: the template accepts it %v, the code %v (%v)", c, dimPattern.MatchString(c), err == nil, err)
		}
	}
	if d := get(params, "MetricsDimensions", "Default").Value; !dimPattern.MatchString(d) {
		t.Errorf("MetricsDimensions default %q does not match its pattern", d)
	}
	// Every namespace the template accepts, the code accepts.
	raw := get(params, "MetricsNamespace", "AllowedPattern").Value
	const lookahead = "(?!AWS/)"
	if !strings.Contains(raw, lookahead) {
		t.Fatalf("MetricsNamespace pattern %q no longer rejects AWS/: update the test", raw)
	}
	nsRe := regexp.MustCompile(strings.Replace(raw, lookahead, "", 1))
	for _, c := range []string{"chimeflow", "team/chat", "a", "A.b-c_d/e#f", strings.Repeat("n", 64), "AWS/Chime", "-x", "x y", "x:y", "é"} {
		accepted := nsRe.MatchString(c) && !strings.HasPrefix(c, "AWS/") && len(c) <= 64
		if !accepted {
			continue
		}
		if _, err := metrics.New(os.Stdout, metrics.Options{Namespace: c}); err != nil {
			t.Errorf("the template accepts namespace %q, the code does not: %v", c, err)
		}
	}
	// The trail's bus pattern accepts only names the trail accepts.
	busRe := regexp.MustCompile(get(params, "TrailBusName", "AllowedPattern").Value)
	for _, c := range []string{"decisions", "default", "a.b-c_d", strings.Repeat("b", 256)} {
		if !busRe.MatchString(c) {
			t.Errorf("TrailBusName pattern rejects %q", c)
			continue
		}
		if _, err := ebsink.New(nopPutEvents{}, c); err != nil {
			t.Errorf("the template accepts bus %q, the trail's EventBridge sink does not: %v", c, err)
		}
	}
	// The environment variables.
	env := get(resources(t, root, "AWS::Serverless::Function")["ProcessorFunction"], "Properties", "Environment", "Variables")
	for _, k := range []string{metrics.EnvNamespace, metrics.EnvDimensions, trail.EnvBus, trail.EnvContent} {
		if get(env, k) == nil {
			t.Errorf("the processor's environment lacks %s", k)
		}
	}
	// The trail's grant names the trail's source.
	tpl, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tpl), "events:source: "+trail.Source+"\n") {
		t.Errorf("template.yaml does not limit events:PutEvents to events:source %s", trail.Source)
	}
}

// nopPutEvents is never called: the sink is only made, to check the bus.
type nopPutEvents struct{}

func (nopPutEvents) PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return &eventbridge.PutEventsOutput{}, nil
}
