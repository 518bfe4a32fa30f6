package messagingtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Policy is an IAM identity policy: what the role the client signs with is
// allowed to do. Give it to the Server (Config.Policy) and requests it does
// not allow are refused as IAM refuses them: 403 AccessDeniedException.
type Policy struct {
	Statements []Statement
}

// Statement is one statement of a Policy. Actions and Resources take IAM's
// wildcards: * matches any run of characters, ? any one character. Actions
// match without regard to case ("chime:ChannelFlowCallback", "chime:*").
type Statement struct {
	// Effect is "Allow" or "Deny".
	Effect    string
	Actions   []string
	Resources []string
}

// Allow returns a statement allowing actions on resources.
func Allow(actions []string, resources ...string) Statement {
	return Statement{Effect: "Allow", Actions: actions, Resources: resources}
}

// Deny returns a statement denying actions on resources.
func Deny(actions []string, resources ...string) Statement {
	return Statement{Effect: "Deny", Actions: actions, Resources: resources}
}

// ParsePolicy reads an IAM policy document, as written in a SAM template's
// PolicyDocument once its intrinsic functions are resolved:
// {"Version": ..., "Statement": [{"Effect", "Action", "Resource"}]}, where
// Statement, Action and Resource may be one value or a list. Elements the
// stand-in cannot evaluate (NotAction, NotResource, Condition, Principal)
// are refused rather than ignored.
func ParsePolicy(doc []byte) (*Policy, error) {
	var raw struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("messagingtest: policy: %w", err)
	}
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(raw.Statement, &stmts); err != nil {
		var one map[string]json.RawMessage
		if err2 := json.Unmarshal(raw.Statement, &one); err2 != nil {
			return nil, fmt.Errorf("messagingtest: policy: Statement is neither an object nor a list of objects: %w", err)
		}
		stmts = []map[string]json.RawMessage{one}
	}
	p := &Policy{}
	for i, st := range stmts {
		var s Statement
		for k, v := range st {
			var err error
			switch k {
			case "Sid":
			case "Effect":
				err = json.Unmarshal(v, &s.Effect)
			case "Action":
				s.Actions, err = stringOrList(v)
			case "Resource":
				s.Resources, err = stringOrList(v)
			default:
				err = errors.New("the stand-in does not evaluate " + k)
			}
			if err != nil {
				return nil, fmt.Errorf("messagingtest: policy: Statement[%d].%s: %w", i, k, err)
			}
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("messagingtest: policy: Statement[%d].Effect %q is not Allow or Deny", i, s.Effect)
		}
		if len(s.Actions) == 0 || len(s.Resources) == 0 {
			return nil, fmt.Errorf("messagingtest: policy: Statement[%d] needs Action and Resource", i)
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

func stringOrList(v json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, errors.New("want a string or a list of strings")
	}
	return list, nil
}

// Decision is what a Policy says of one action on one resource.
type Decision int

// Decisions, as IAM makes them.
const (
	// ImplicitDeny: no statement allows it.
	ImplicitDeny Decision = iota
	// Allowed: a statement allows it and none denies it.
	Allowed
	// ExplicitDeny: a statement denies it.
	ExplicitDeny
)

// Decide evaluates action (e.g. "chime:ChannelFlowCallback") on resource
// (an ARN) as IAM does: an explicit deny wins, then an allow, else deny.
func (p *Policy) Decide(action, resource string) Decision {
	d := ImplicitDeny
	for _, s := range p.Statements {
		if !matchAny(s.Actions, action, true) || !matchAny(s.Resources, resource, false) {
			continue
		}
		if s.Effect == "Deny" {
			return ExplicitDeny
		}
		d = Allowed
	}
	return d
}

func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if wildcard(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if wildcard(p, s) {
			return true
		}
	}
	return false
}

// wildcard matches s against p, where * is any run and ? any one byte.
func wildcard(p, s string) bool {
	// Iterative matching with backtracking to the last star.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// resourcesOf returns the resources IAM authorizes an operation on: the
// ARNs the request names, by the resource types the Service Authorization
// Reference lists for the chime actions (channel for ChannelFlowCallback;
// channel and app-instance-user for GetChannelMessageStatus; the app
// instance, the flow, the channel and the bearer for the flow operations).
func resourcesOf(op string, params map[string]any) []string {
	str := func(name string) string { v, _ := params[name].(string); return v }
	var arns []string
	switch op {
	case "ChannelFlowCallback":
		arns = []string{str("ChannelArn")}
	case "GetChannelMessageStatus":
		arns = []string{str("ChannelArn"), str("ChimeBearer")}
	case "CreateChannelFlow":
		arns = []string{str("AppInstanceArn")}
	case "UpdateChannelFlow", "DeleteChannelFlow", "DescribeChannelFlow", "ListChannelsAssociatedWithChannelFlow":
		arns = []string{str("ChannelFlowArn")}
	case "AssociateChannelFlow", "DisassociateChannelFlow":
		arns = []string{str("ChannelArn"), str("ChannelFlowArn"), str("ChimeBearer")}
	}
	out := arns[:0]
	for _, a := range arns {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}
