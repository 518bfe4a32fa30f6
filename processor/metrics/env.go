package metrics

import (
	"fmt"
	"strings"
)

// Environment variables read by OptionsFromEnv (template.yaml sets them
// on the processor function).
const (
	// EnvNamespace holds the CloudWatch namespace; empty means
	// DefaultNamespace.
	EnvNamespace = "CHIMEFLOW_METRICS_NAMESPACE"
	// EnvDimensions holds the optional dimensions, comma-separated
	// (e.g. "Pipeline,Rule"); "none" means none, empty means
	// DefaultDimensions.
	EnvDimensions = "CHIMEFLOW_METRICS_DIMENSIONS"
)

// OptionsFromEnv returns the Options the environment asks for, reading it
// through getenv (os.Getenv in a program). It checks the dimension names;
// New checks the namespace.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	o := Options{Namespace: strings.TrimSpace(getenv(EnvNamespace))}
	switch v := strings.TrimSpace(getenv(EnvDimensions)); v {
	case "":
	case "none":
		o.Dimensions = []Dimension{}
	default:
		for _, f := range strings.Split(v, ",") {
			d := Dimension(strings.TrimSpace(f))
			switch d {
			case DimPipeline, DimOutcome, DimRule:
				o.Dimensions = append(o.Dimensions, d)
			default:
				return Options{}, fmt.Errorf("%w: %s=%q: %q is not one of %s, %s, %s (or \"none\")",
					ErrOptions, EnvDimensions, v, d, DimPipeline, DimOutcome, DimRule)
			}
		}
	}
	return o, nil
}
