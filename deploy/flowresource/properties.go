package flowresource

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
)

// Names of the resource properties, as written in template.yaml.
const (
	PropAppInstanceArn = "AppInstanceArn"
	PropName           = "Name"
	PropFallbackAction = "FallbackAction"
	PropProcessorArn   = "ProcessorArn"
	PropChannelArns    = "ChannelArns"
	PropChimeBearerArn = "ChimeBearerArn"
)

// Properties CloudFormation itself adds to every custom resource request;
// they are not the resource's own and are ignored.
var cloudFormationProps = []string{"ServiceToken", "ServiceTimeout"}

// ErrInvalidProperties is matched (errors.Is) by every *PropertiesError.
var ErrInvalidProperties = errors.New("invalid resource properties")

// PropertiesError lists every problem of a resource's properties.
type PropertiesError struct {
	Problems []string
}

// Error lists the problems.
func (e *PropertiesError) Error() string {
	return "invalid properties of the channel flow resource: " + strings.Join(e.Problems, "; ")
}

// Is reports whether target is ErrInvalidProperties.
func (e *PropertiesError) Is(target error) bool { return target == ErrInvalidProperties }

// Properties are the properties of a Custom::ChimeChannelFlow resource.
type Properties struct {
	// AppInstanceArn is the app instance the flow belongs to
	// (arn:aws:chime:REGION:ACCOUNT:app-instance/ID). Required.
	AppInstanceArn string
	// Name is the flow's name, 1-256 characters. Required.
	Name string
	// FallbackAction is what Chime does when it cannot reach the processor;
	// ABORT when not given.
	FallbackAction messaging.FallbackAction
	// ProcessorArn is the processor Lambda function, in the app instance's
	// account and Region. Required.
	ProcessorArn string
	// ChannelArns are channels of the app instance to associate with the
	// flow, without duplicates. They need ChimeBearerArn.
	ChannelArns []string
	// ChimeBearerArn is an AppInstanceAdmin (user or bot of the app
	// instance) sent as x-amz-chime-bearer to associate and disassociate
	// channels. Optional.
	ChimeBearerArn string
}

var (
	appInstanceARN = regexp.MustCompile(`^arn:(aws[a-z-]*):chime:([a-z0-9-]+):([0-9]{12}):app-instance/([^/\s]+)$`)
	channelFlowARN = regexp.MustCompile(`^arn:aws[a-z-]*:chime:[a-z0-9-]+:[0-9]{12}:app-instance/[^/\s]+/channel-flow/[^/\s]+$`)
	lambdaRegion   = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):([0-9]{12}):function:`)
)

// IsChannelFlowARN reports whether s is a channel flow ARN,
// arn:aws:chime:REGION:ACCOUNT:app-instance/ID/channel-flow/ID. A physical
// resource id that is not one was left by a Create that failed before the
// flow existed.
func IsChannelFlowARN(s string) bool { return channelFlowARN.MatchString(s) }

// ParseProperties decodes and checks the ResourceProperties (or
// OldResourceProperties) of a request. CloudFormation sends every scalar as
// a string and a list as a JSON array; ChannelArns may also be one
// comma-separated string, and empty entries are dropped. Unknown properties
// are errors, so that a misspelt name does not pass unnoticed. The error is
// a *PropertiesError naming every problem.
func ParseProperties(raw map[string]any) (*Properties, error) {
	var (
		p        Properties
		problems []string
	)
	str := func(name string) string {
		v, ok := raw[name]
		if !ok || v == nil {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s must be a string, not %T", name, v))
		}
		return strings.TrimSpace(s)
	}
	p.AppInstanceArn = str(PropAppInstanceArn)
	p.Name = str(PropName)
	p.FallbackAction = messaging.FallbackAction(str(PropFallbackAction))
	p.ProcessorArn = str(PropProcessorArn)
	p.ChimeBearerArn = str(PropChimeBearerArn)
	channels, err := stringList(raw[PropChannelArns])
	if err != nil {
		problems = append(problems, PropChannelArns+" "+err.Error())
	}
	for _, c := range channels {
		if !slices.Contains(p.ChannelArns, c) {
			p.ChannelArns = append(p.ChannelArns, c)
		}
	}
	var unknown []string
	for name := range raw {
		switch name {
		case PropAppInstanceArn, PropName, PropFallbackAction, PropProcessorArn, PropChannelArns, PropChimeBearerArn:
		default:
			if !slices.Contains(cloudFormationProps, name) {
				unknown = append(unknown, name)
			}
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		problems = append(problems, fmt.Sprintf("unknown property %s (known: %s, %s, %s, %s, %s, %s)", name,
			PropAppInstanceArn, PropName, PropFallbackAction, PropProcessorArn, PropChannelArns, PropChimeBearerArn))
	}
	if p.FallbackAction == "" {
		p.FallbackAction = messaging.FallbackAbort
	}
	problems = append(problems, p.check()...)
	if len(problems) > 0 {
		return nil, &PropertiesError{Problems: problems}
	}
	return &p, nil
}

// stringList decodes a list property: a JSON array of strings or one
// comma-separated string.
func stringList(v any) ([]string, error) {
	var items []string
	switch v := v.(type) {
	case nil:
	case string:
		items = strings.Split(v, ",")
	case []any:
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("item %d must be a string, not %T", i, e)
			}
			items = append(items, s)
		}
	case []string:
		items = v
	default:
		return nil, fmt.Errorf("must be a list of strings, not %T", v)
	}
	out := items[:0:0]
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// check returns the problems of p's values.
func (p *Properties) check() []string {
	var problems []string
	m := appInstanceARN.FindStringSubmatch(p.AppInstanceArn)
	switch {
	case p.AppInstanceArn == "":
		problems = append(problems, PropAppInstanceArn+" is required")
	case m == nil:
		problems = append(problems, fmt.Sprintf("%s %q is not an app instance ARN (arn:aws:chime:REGION:ACCOUNT:app-instance/ID)", PropAppInstanceArn, p.AppInstanceArn))
	}
	if n := utf8.RuneCountInString(p.Name); n < 1 || n > messaging.MaxResourceNameLen {
		problems = append(problems, fmt.Sprintf("%s must be 1-%d characters, not %d", PropName, messaging.MaxResourceNameLen, n))
	}
	if p.FallbackAction != messaging.FallbackAbort && p.FallbackAction != messaging.FallbackContinue {
		problems = append(problems, fmt.Sprintf("%s %q must be ABORT or CONTINUE", PropFallbackAction, p.FallbackAction))
	}
	switch {
	case p.ProcessorArn == "":
		problems = append(problems, PropProcessorArn+" is required")
	case !messaging.ValidLambdaARN(p.ProcessorArn):
		problems = append(problems, fmt.Sprintf("%s %q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", PropProcessorArn, p.ProcessorArn))
	case m != nil:
		if l := lambdaRegion.FindStringSubmatch(p.ProcessorArn); l != nil && (l[1] != m[2] || l[2] != m[3]) {
			problems = append(problems, fmt.Sprintf("%s is in %s/%s but the app instance is in %s/%s: Chime invokes processors of its own account and Region only; deploy the stack in %s of account %s",
				PropProcessorArn, l[2], l[1], m[3], m[2], m[2], m[3]))
		}
	}
	if m == nil {
		return problems // the checks below need a valid app instance ARN
	}
	for _, c := range p.ChannelArns {
		id, ok := strings.CutPrefix(c, p.AppInstanceArn+"/channel/")
		if !ok || id == "" || strings.ContainsAny(id, "/ \t\r\n") {
			problems = append(problems, fmt.Sprintf("%s: %q is not a channel of %s (%s/channel/ID)", PropChannelArns, c, p.AppInstanceArn, p.AppInstanceArn))
		}
	}
	if p.ChimeBearerArn != "" {
		user, isUser := strings.CutPrefix(p.ChimeBearerArn, p.AppInstanceArn+"/user/")
		bot, isBot := strings.CutPrefix(p.ChimeBearerArn, p.AppInstanceArn+"/bot/")
		if !(isUser && user != "" && !strings.Contains(user, "/")) && !(isBot && bot != "" && !strings.Contains(bot, "/")) {
			problems = append(problems, fmt.Sprintf("%s %q is not a user or bot of %s (%s/user/ID or .../bot/ID)", PropChimeBearerArn, p.ChimeBearerArn, p.AppInstanceArn, p.AppInstanceArn))
		}
	}
	if len(p.ChannelArns) > 0 && p.ChimeBearerArn == "" {
		problems = append(problems, PropChannelArns+" needs "+PropChimeBearerArn+": only an AppInstanceAdmin or a channel moderator may associate a channel with a flow")
	}
	return problems
}

// processors returns the flow's processor list: one processor, the
// chimeflow function, invoked asynchronously.
func (p *Properties) processors(name string) []messaging.Processor {
	return []messaging.Processor{{
		Name:           name,
		ExecutionOrder: 1,
		FallbackAction: p.FallbackAction,
		Configuration: messaging.ProcessorConfiguration{
			Lambda: messaging.LambdaConfiguration{ResourceArn: p.ProcessorArn, InvocationType: messaging.InvocationTypeAsync},
		},
	}}
}

// flowChanged reports whether an UpdateChannelFlow is needed to go from
// old to p.
func (p *Properties) flowChanged(old *Properties) bool {
	return p.Name != old.Name || p.FallbackAction != old.FallbackAction || p.ProcessorArn != old.ProcessorArn
}
