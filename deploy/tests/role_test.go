package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// The pseudo parameters and the stack name the template is resolved with.
var pseudo = map[string]string{
	"AWS::Region":    "us-east-1",
	"AWS::AccountId": "111122223333",
	"AWS::Partition": "aws",
	"AWS::StackName": "chat",
	"AWS::URLSuffix": "amazonaws.com",
}

// rolePolicy returns the identity policy of the role logicalID of
// template.yaml as deployed with the AppInstanceArn parameter set to
// appInstanceARN: every inline policy of the role, its intrinsic functions
// resolved (Ref and Sub of parameters and pseudo parameters; GetAtt of a
// resource as a placeholder ARN in the resource's own service). The
// stand-in then refuses what IAM would refuse that role.
func rolePolicy(t testing.TB, logicalID, appInstanceARN string) *messagingtest.Policy {
	t.Helper()
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	role := lookup(doc.Content[0], "Resources", logicalID)
	if role == nil || lookup(role, "Type") == nil || lookup(role, "Type").Value != "AWS::IAM::Role" {
		t.Fatalf("template.yaml has no AWS::IAM::Role %s", logicalID)
	}
	if lookup(role, "Properties", "ManagedPolicyArns") != nil {
		t.Fatalf("%s has managed policies, which the stand-in cannot read", logicalID)
	}
	params := map[string]string{"AppInstanceArn": appInstanceARN}
	for k, v := range pseudo {
		params[k] = v
	}
	policies := lookup(role, "Properties", "Policies")
	if policies == nil || len(policies.Content) == 0 {
		t.Fatalf("%s has no inline policy", logicalID)
	}
	all := &messagingtest.Policy{}
	for _, p := range policies.Content {
		resolved, err := resolve(lookup(p, "PolicyDocument"), params)
		if err != nil {
			t.Fatalf("%s: %v", logicalID, err)
		}
		b, err := json.Marshal(resolved)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := messagingtest.ParsePolicy(b)
		if err != nil {
			t.Fatalf("%s: %v", logicalID, err)
		}
		all.Statements = append(all.Statements, parsed.Statements...)
	}
	return all
}

// lookup follows keys through mapping nodes; nil when a key is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
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

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// resolve returns the plain value of a template node, with the intrinsic
// functions a role policy uses resolved; any other function is an error,
// so that the stand-in never guesses.
func resolve(n *yaml.Node, params map[string]string) (any, error) {
	if n == nil {
		return nil, fmt.Errorf("missing value")
	}
	if n.Kind == yaml.AliasNode {
		return resolve(n.Alias, params)
	}
	fn, arg := n.Tag, n
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && (n.Content[0].Value == "Ref" || strings.HasPrefix(n.Content[0].Value, "Fn::")) {
		fn, arg = "!"+strings.TrimPrefix(n.Content[0].Value, "Fn::"), n.Content[1]
	}
	switch fn {
	case "!Ref":
		v, ok := params[arg.Value]
		if !ok {
			return nil, fmt.Errorf("Ref %s: not a parameter the tests resolve", arg.Value)
		}
		return v, nil
	case "!Sub":
		if arg.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("Sub with a variable map is not resolved by the tests")
		}
		var missing error
		out := subVar.ReplaceAllStringFunc(arg.Value, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := params[name]
			if !ok {
				missing = fmt.Errorf("Sub %q: ${%s} is not a parameter the tests resolve", arg.Value, name)
			}
			return v
		})
		return out, missing
	case "!GetAtt":
		target := arg.Value
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			target = arg.Content[0].Value + "." + arg.Content[1].Value
		}
		return fmt.Sprintf("arn:aws:placeholder:us-east-1:111122223333:%s", target), nil
	case "", "!!str", "!!int", "!!bool", "!!float", "!!map", "!!seq", "!!null":
	default:
		return nil, fmt.Errorf("intrinsic function %s is not resolved by the tests", fn)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := resolve(c, params)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := resolve(n.Content[i+1], params)
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected YAML node kind %v", n.Kind)
}

// TestChannelFlowRoleScope: the custom resource's role, as template.yaml
// deploys it, allows every flow operation on its own app instance and
// nothing on another one; the stand-in enforces exactly that.
func TestChannelFlowRoleScope(t *testing.T) {
	p := rolePolicy(t, "ChannelFlowRole", appInstance)
	flow := appInstance + "/channel-flow/f"
	otherFlow := appInstance2 + "/channel-flow/f"
	tests := []struct {
		op       string
		resource string
		want     messagingtest.Decision
	}{
		{messaging.OpCreateChannelFlow, appInstance, messagingtest.Allowed},
		{messaging.OpUpdateChannelFlow, flow, messagingtest.Allowed},
		{messaging.OpDeleteChannelFlow, flow, messagingtest.Allowed},
		{messaging.OpDescribeChannelFlow, flow, messagingtest.Allowed},
		{messaging.OpListChannelsAssociatedWithChannelFlow, flow, messagingtest.Allowed},
		{messaging.OpAssociateChannelFlow, channelA, messagingtest.Allowed},
		{messaging.OpAssociateChannelFlow, admin, messagingtest.Allowed},
		{messaging.OpDisassociateChannelFlow, channelA, messagingtest.Allowed},
		{messaging.OpCreateChannelFlow, appInstance2, messagingtest.ImplicitDeny},
		{messaging.OpDeleteChannelFlow, otherFlow, messagingtest.ImplicitDeny},
		{messaging.OpListChannelsAssociatedWithChannelFlow, otherFlow, messagingtest.ImplicitDeny},
		{messaging.OpDisassociateChannelFlow, appInstance2 + "/channel/x", messagingtest.ImplicitDeny},
		{messaging.OpChannelFlowCallback, channelA, messagingtest.ImplicitDeny},
	}
	for _, tt := range tests {
		if got := p.Decide("chime:"+tt.op, tt.resource); got != tt.want {
			t.Errorf("chime:%s on %s: decision %d, want %d", tt.op, tt.resource, got, tt.want)
		}
	}
}
