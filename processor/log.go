package processor

import "github.com/rs/zerolog"

// MarshalZerologObject logs the outcome as the fields of the handler's
// line: outcome, pipeline, rulesVersion, rules, changed, reason, skipped,
// repairs, ruleErrors and dryRun (the empty ones left out, rules always there).
func (o *Outcome) MarshalZerologObject(e *zerolog.Event) {
	e.Str("outcome", string(o.Action))
	if o.Pipeline != "" {
		e.Str("pipeline", o.Pipeline)
	}
	if o.RulesVersion != "" {
		e.Str("rulesVersion", o.RulesVersion)
	}
	e.Strs("rules", o.Rules)
	if len(o.Changed) > 0 {
		e.Strs("changed", o.Changed)
	}
	if o.Reason != "" {
		e.Str("reason", o.Reason)
	}
	if len(o.Skipped) > 0 {
		e.Strs("skipped", o.Skipped)
	}
	if len(o.Repairs) > 0 {
		e.Array("repairs", objects[Repair](o.Repairs))
	}
	if len(o.Errors) > 0 {
		e.Array("ruleErrors", objects[*RuleError](o.Errors))
	}
	if len(o.DryRun) > 0 {
		e.Array("dryRun", objects[DryRunResult](o.DryRun))
	}
	o.logState(e)
}

// MarshalZerologObject logs what a dry-run rule would have done: rule,
// would, and changed, reason and error when set.
func (r DryRunResult) MarshalZerologObject(e *zerolog.Event) {
	e.Str("rule", r.Rule).Str("would", string(r.Would))
	if len(r.Changed) > 0 {
		e.Strs("changed", r.Changed)
	}
	if r.Reason != "" {
		e.Str("reason", r.Reason)
	}
	if r.Error != "" {
		e.Str("error", r.Error)
	}
}

// objects logs a slice of values that log themselves as a JSON array.
type objects[T zerolog.LogObjectMarshaler] []T

// MarshalZerologArray writes each element as an object.
func (s objects[T]) MarshalZerologArray(a *zerolog.Array) {
	for _, v := range s {
		a.Object(v)
	}
}
