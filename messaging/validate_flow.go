package messaging

import (
	"regexp"
	"strconv"
	"unicode/utf8"
)

// More limits of the service model, for the channel flow operations.
const (
	MinProcessors     = 1
	MinExecutionOrder = 1
	MaxExecutionOrder = 3
	MinLambdaARNLen   = 15
	MaxLambdaARNLen   = 2048
	MaxTags           = 50
	MaxTagKeyLen      = 128
	MaxTagValueLen    = 256
	MaxNextTokenLen   = 2048
)

// lambdaARN is the model's LambdaFunctionArn pattern, anchored.
var lambdaARN = regexp.MustCompile(`^arn:aws:lambda:[a-z]{2}-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9\-_\.]+(:(\$LATEST|[a-zA-Z0-9\-_]+))?$`)

// ValidLambdaARN reports whether s matches the model's LambdaFunctionArn:
// 15-2048 characters, arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].
func ValidLambdaARN(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= MinLambdaARNLen && n <= MaxLambdaARNLen && lambdaARN.MatchString(s)
}

// ValidClientRequestToken reports whether s is a ClientRequestToken: 2-64
// characters of [-_a-zA-Z0-9].
func ValidClientRequestToken(s string) bool {
	return len(s) >= MinClientRequestToken && len(s) <= MaxClientRequestToken && ValidID(s)
}

// validResourceName reports whether every character of s is allowed by the
// model's NonEmptyResourceName pattern: tab, LF, CR, U+0020-U+007E, U+0085,
// U+00A0-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF.
func validResourceName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r >= 0x20 && r <= 0x7e:
		case r >= 0xa0 && r <= 0xd7ff:
		case r >= 0xe000 && r <= 0xfffd:
		case r >= 0x10000 && r <= 0x10ffff:
		default:
			return false
		}
	}
	return true
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *CreateChannelFlowInput) Validate() error {
	var v validator
	v.arn("AppInstanceArn", in.AppInstanceArn)
	v.resourceName("Name", in.Name)
	v.processors(in.Processors)
	if len(in.Tags) > MaxTags {
		v.add("Tags", strconv.Itoa(len(in.Tags))+" tags exceed the maximum "+strconv.Itoa(MaxTags))
	}
	for i, t := range in.Tags {
		f := "Tags[" + strconv.Itoa(i) + "]"
		v.length(f+".Key", t.Key, 1, MaxTagKeyLen)
		v.length(f+".Value", t.Value, 1, MaxTagValueLen)
	}
	if in.ClientRequestToken == "" {
		v.add("ClientRequestToken", "required")
	} else if !ValidClientRequestToken(in.ClientRequestToken) {
		v.add("ClientRequestToken", "must be 2-64 characters of [-_a-zA-Z0-9]")
	}
	return v.err(OpCreateChannelFlow)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *UpdateChannelFlowInput) Validate() error {
	var v validator
	v.arn("ChannelFlowArn", in.ChannelFlowArn)
	v.resourceName("Name", in.Name)
	v.processors(in.Processors)
	return v.err(OpUpdateChannelFlow)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *DeleteChannelFlowInput) Validate() error {
	var v validator
	v.arn("ChannelFlowArn", in.ChannelFlowArn)
	return v.err(OpDeleteChannelFlow)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *DescribeChannelFlowInput) Validate() error {
	var v validator
	v.arn("ChannelFlowArn", in.ChannelFlowArn)
	return v.err(OpDescribeChannelFlow)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *AssociateChannelFlowInput) Validate() error {
	var v validator
	v.arn("ChannelArn", in.ChannelArn)
	v.arn("ChannelFlowArn", in.ChannelFlowArn)
	v.arn("ChimeBearer", in.ChimeBearer)
	return v.err(OpAssociateChannelFlow)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *DisassociateChannelFlowInput) Validate() error {
	var v validator
	v.arn("ChannelArn", in.ChannelArn)
	v.arn("ChannelFlowArn", in.ChannelFlowArn)
	v.arn("ChimeBearer", in.ChimeBearer)
	return v.err(OpDisassociateChannelFlow)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil. MaxResults 0 leaves
// the page size to the service.
func (in *ListChannelsAssociatedWithChannelFlowInput) Validate() error {
	var v validator
	v.arn("ChannelFlowArn", in.ChannelFlowArn)
	if in.MaxResults < 0 || in.MaxResults > MaxChannelFlowPageSize {
		v.add("MaxResults", strconv.Itoa(in.MaxResults)+" is outside 1-"+strconv.Itoa(MaxChannelFlowPageSize)+" (0 for the service default)")
	}
	v.length("NextToken", in.NextToken, 0, MaxNextTokenLen)
	return v.err(OpListChannelsAssociatedWithChannelFlow)
}

func (v *validator) resourceName(field, s string) {
	v.length(field, s, 1, MaxResourceNameLen)
	if !validResourceName(s) {
		v.add(field, "holds a character outside the model's NonEmptyResourceName pattern")
	}
}

func (v *validator) processors(ps []Processor) {
	if len(ps) < MinProcessors || len(ps) > MaxProcessors {
		v.add("Processors", strconv.Itoa(len(ps))+" processors, want "+strconv.Itoa(MinProcessors)+"-"+strconv.Itoa(MaxProcessors))
	}
	for i, p := range ps {
		f := "Processors[" + strconv.Itoa(i) + "]"
		v.resourceName(f+".Name", p.Name)
		if p.ExecutionOrder < MinExecutionOrder || p.ExecutionOrder > MaxExecutionOrder {
			v.add(f+".ExecutionOrder", strconv.Itoa(p.ExecutionOrder)+" is outside "+strconv.Itoa(MinExecutionOrder)+"-"+strconv.Itoa(MaxExecutionOrder))
		}
		if p.FallbackAction != FallbackContinue && p.FallbackAction != FallbackAbort {
			v.add(f+".FallbackAction", strconv.Quote(string(p.FallbackAction))+" is not CONTINUE or ABORT")
		}
		l := p.Configuration.Lambda
		if l.ResourceArn == "" {
			v.add(f+".Configuration.Lambda.ResourceArn", "required")
		} else if !ValidLambdaARN(l.ResourceArn) {
			v.add(f+".Configuration.Lambda.ResourceArn", strconv.Quote(truncate(l.ResourceArn, 80))+" is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])")
		}
		if l.InvocationType != InvocationTypeAsync {
			v.add(f+".Configuration.Lambda.InvocationType", strconv.Quote(l.InvocationType)+" is not "+InvocationTypeAsync)
		}
	}
}
