package metrics

// Metric names. The dashboard and the alarms of template.yaml refer to
// these names; a test of deploy/tests checks that they exist here.
//
// Per message (dimension sets: none, and the configured subset of
// Pipeline and Outcome):
const (
	// Messages counts messages, whatever their outcome.
	Messages = "Messages"
	// Allowed counts messages delivered unchanged (outcome ALLOW).
	Allowed = "Allowed"
	// Rewritten counts messages delivered with changes (outcome REWRITE).
	Rewritten = "Rewritten"
	// Denied counts messages deleted (outcome DENY).
	Denied = "Denied"
	// Errored counts events that were not answered (outcome ERROR).
	Errored = "Errored"
	// PipelineDuration is the time the rules took, in milliseconds.
	PipelineDuration = "PipelineDuration"
	// CallbackDuration is the time the ChannelFlowCallback took, retries
	// included, in milliseconds.
	CallbackDuration = "CallbackDuration"
	// CallbackRetriesThrottle counts callback retries after a 429
	// ThrottledClientException.
	CallbackRetriesThrottle = "CallbackRetriesThrottle"
	// CallbackRetriesServerError counts callback retries after a 5xx answer.
	CallbackRetriesServerError = "CallbackRetriesServerError"
	// CallbackRetriesNetwork counts callback retries after a transport
	// failure (no answer, a cut connection, a truncated body).
	CallbackRetriesNetwork = "CallbackRetriesNetwork"
	// CallbackRefusals counts callbacks the service finally refused, other
	// than duplicates. Broken down by Code in its own documents.
	CallbackRefusals = "CallbackRefusals"
	// DuplicatesAbsorbed counts duplicate deliveries whose callback the
	// service answered "already resolved": done, not failed.
	DuplicatesAbsorbed = "DuplicatesAbsorbed"
	// RuleErrors counts rules that failed (error, panic, limit, timeout).
	// Broken down by ErrorKind and by Rule in their own documents.
	RuleErrors = "RuleErrors"
	// DryRunHits counts what dry-run rules would have done (denied,
	// rewritten or failed).
	DryRunHits = "DryRunHits"
	// ColdStart is 1 for the first message of an execution environment.
	ColdStart = "ColdStart"
)

// Per rule (dimension sets: Rule, and Pipeline+Rule when Pipeline is
// configured; only emitted when Rule is configured):
const (
	// RuleActions counts the messages a rule acted on: changed, denied, or
	// failed and so denied.
	RuleActions = "RuleActions"
	// RuleDenials counts the messages a rule denied.
	RuleDenials = "RuleDenials"
	// DryRunDenials counts the messages a dry-run rule would have denied.
	DryRunDenials = "DryRunDenials"
	// DryRunRewrites counts the messages a dry-run rule would have
	// rewritten.
	DryRunRewrites = "DryRunRewrites"
	// DryRunErrors counts the messages on which a dry-run rule failed.
	DryRunErrors = "DryRunErrors"
)

// Per process (no dimension):
const (
	// TrailFailures counts decision-trail entries that were not delivered
	// (refused, failed after retries, or dropped because the queue was
	// full), read from Options.TrailFailures at each Flush.
	TrailFailures = "TrailFailures"
	// RulesReloads counts the new versions of the rules configuration
	// swapped in while the processor ran (rules/live), read from
	// Options.RulesCounters at each Flush.
	RulesReloads = "RulesReloads"
	// RulesRefusals counts the versions of the rules configuration refused
	// because they did not load; the last good version kept serving.
	RulesRefusals = "RulesRefusals"
	// RulesFetchFailures counts the checks of the rules' source (an SSM
	// parameter) that failed; the active version kept serving.
	RulesFetchFailures = "RulesFetchFailures"
)

// Units, from the list CloudWatch accepts.
const (
	UnitCount        = "Count"
	UnitMilliseconds = "Milliseconds"
)

// Definition describes one metric the Emitter can write.
type Definition struct {
	Name string
	Unit string
	// Dimensions lists the dimension sets the metric can carry, each a
	// comma-separated list of dimension names ("" is the set without
	// dimensions); which ones appear depends on Options.Dimensions.
	Dimensions []string
	// Description says what is counted or measured.
	Description string
}

var (
	messageSets = []string{"", "Pipeline", "Outcome", "Pipeline,Outcome"}
	ruleSets    = []string{"Rule", "Pipeline,Rule"}
)

// Catalog returns every metric the Emitter can write, in a stable order.
// The returned slice is a fresh copy.
func Catalog() []Definition {
	return []Definition{
		{Messages, UnitCount, messageSets, "messages, whatever their outcome"},
		{Allowed, UnitCount, messageSets, "messages delivered unchanged (ALLOW)"},
		{Rewritten, UnitCount, messageSets, "messages delivered with changes (REWRITE)"},
		{Denied, UnitCount, messageSets, "messages deleted (DENY)"},
		{Errored, UnitCount, messageSets, "events not answered (ERROR): Lambda retries them, then dead-letters them"},
		{PipelineDuration, UnitMilliseconds, messageSets, "time the rules took"},
		{CallbackDuration, UnitMilliseconds, messageSets, "time the ChannelFlowCallback took, retries included"},
		{CallbackRetriesThrottle, UnitCount, messageSets, "callback retries after 429 ThrottledClientException"},
		{CallbackRetriesServerError, UnitCount, messageSets, "callback retries after a 5xx answer"},
		{CallbackRetriesNetwork, UnitCount, messageSets, "callback retries after a transport failure"},
		{CallbackRefusals, UnitCount, append(messageSets[:len(messageSets):len(messageSets)], "Code"), "callbacks the service finally refused (not duplicates), by error code"},
		{DuplicatesAbsorbed, UnitCount, messageSets, "duplicate deliveries the service answered as already resolved"},
		{RuleErrors, UnitCount, append(messageSets[:len(messageSets):len(messageSets)], "ErrorKind", "Rule", "Pipeline,Rule"), "rules that failed, by kind (Panic, Limit, Timeout, Failure) and by rule"},
		{DryRunHits, UnitCount, messageSets, "what dry-run rules would have done"},
		{ColdStart, UnitCount, messageSets, "1 for the first message of an execution environment"},
		{RuleActions, UnitCount, ruleSets, "messages a rule changed, denied, or failed on and so denied"},
		{RuleDenials, UnitCount, ruleSets, "messages a rule denied"},
		{DryRunDenials, UnitCount, ruleSets, "messages a dry-run rule would have denied"},
		{DryRunRewrites, UnitCount, ruleSets, "messages a dry-run rule would have rewritten"},
		{DryRunErrors, UnitCount, ruleSets, "messages on which a dry-run rule failed"},
		{TrailFailures, UnitCount, []string{""}, "decision-trail entries not delivered"},
		{RulesReloads, UnitCount, []string{""}, "new versions of the rules swapped in without a deployment"},
		{RulesRefusals, UnitCount, []string{""}, "versions of the rules refused because they do not load (the last good one serves)"},
		{RulesFetchFailures, UnitCount, []string{""}, "checks of the rules' source that failed (the active version serves)"},
	}
}

// Names returns the name of every metric the Emitter can write.
func Names() []string {
	c := Catalog()
	out := make([]string, len(c))
	for i, d := range c {
		out[i] = d.Name
	}
	return out
}

// Dimension names a dimension the Emitter can write.
type Dimension string

// Dimensions. Pipeline, Outcome and Rule are chosen with
// Options.Dimensions; ErrorKind and Code always break down RuleErrors and
// CallbackRefusals (each takes a handful of fixed values).
const (
	DimPipeline  Dimension = "Pipeline"
	DimOutcome   Dimension = "Outcome"
	DimRule      Dimension = "Rule"
	DimErrorKind Dimension = "ErrorKind"
	DimCode      Dimension = "Code"
)

// Outcomes, the values of the Outcome dimension (the same words as the
// processor's actions).
const (
	OutcomeAllow   = "ALLOW"
	OutcomeRewrite = "REWRITE"
	OutcomeDeny    = "DENY"
	OutcomeError   = "ERROR"
)

// ErrorKind classifies a rule failure; it is the value of the ErrorKind
// dimension.
type ErrorKind string

// Error kinds. Any other value is reported as ErrorKindFailure.
const (
	ErrorKindPanic   ErrorKind = "Panic"   // the rule panicked
	ErrorKindLimit   ErrorKind = "Limit"   // the rule's rewrite broke a callback limit
	ErrorKindTimeout ErrorKind = "Timeout" // the rule ran out of time (context deadline)
	ErrorKindFailure ErrorKind = "Failure" // the rule returned an error
)

var errorKinds = [...]ErrorKind{ErrorKindPanic, ErrorKindLimit, ErrorKindTimeout, ErrorKindFailure}

// Refusal codes: the errors ChannelFlowCallback can answer, from the
// service model, and IAM's AccessDeniedException (the function's role may
// not call it: a deployment to fix, not a message to retry). Any other
// code is reported as RefusalOther.
const (
	RefusalBadRequest         = "BadRequestException"
	RefusalForbidden          = "ForbiddenException"
	RefusalUnauthorized       = "UnauthorizedClientException"
	RefusalConflict           = "ConflictException"
	RefusalThrottled          = "ThrottledClientException"
	RefusalServiceUnavailable = "ServiceUnavailableException"
	RefusalServiceFailure     = "ServiceFailureException"
	RefusalAccessDenied       = "AccessDeniedException"
	RefusalOther              = "Other"
)

var refusalCodes = [...]string{RefusalBadRequest, RefusalForbidden, RefusalUnauthorized, RefusalConflict,
	RefusalThrottled, RefusalServiceUnavailable, RefusalServiceFailure, RefusalAccessDenied, RefusalOther}
