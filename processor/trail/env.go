package trail

import "fmt"

// Environment variables read by OptionsFromEnv (template.yaml sets them on
// the processor function).
const (
	// EnvBus names the event bus; empty means no trail.
	EnvBus = "CHIMEFLOW_TRAIL_BUS"
	// EnvContent is "true" to send the message's content with each event,
	// "false" or empty not to.
	EnvContent = "CHIMEFLOW_TRAIL_CONTENT"
)

// OptionsFromEnv returns the Options the environment asks for, reading it
// through getenv (os.Getenv in a program). enabled is false when EnvBus is
// empty: the trail is off.
func OptionsFromEnv(getenv func(string) string) (opts Options, enabled bool, err error) {
	opts.Bus = getenv(EnvBus)
	switch v := getenv(EnvContent); v {
	case "", "false":
	case "true":
		opts.IncludeContent = true
	default:
		return Options{}, false, fmt.Errorf("%w: %s=%q: want true or false", ErrOptions, EnvContent, v)
	}
	if opts.Bus == "" {
		if opts.IncludeContent {
			return Options{}, false, fmt.Errorf("%w: %s=true needs %s", ErrOptions, EnvContent, EnvBus)
		}
		return opts, false, nil
	}
	return opts, true, nil
}
