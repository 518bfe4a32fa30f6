package rules

import (
	_ "embed"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/processor"
)

// Config is a loaded rules configuration: the default pipeline and the
// per-channel pipelines that override it. It is the processor.Router the
// handler asks for each message's pipeline. A Config is immutable and safe
// for concurrent use.
type Config struct {
	// Default serves every message no channel pipeline matches.
	Default *processor.Pipeline
	// Channels are tried in file order; the first match wins.
	Channels []ChannelPipeline
	// Version names this version of the configuration (SetVersion).
	Version string
}

// ChannelPipeline is a pipeline for the channels (and sub-channels) whose
// ARN matches a glob.
type ChannelPipeline struct {
	Channel    Glob // matched against the channel ARN
	SubChannel Glob // matched against the sub-channel id; empty matches any
	Pipeline   *processor.Pipeline
}

// Route returns the pipeline for a message: the first channel pipeline that
// matches its channel ARN and sub-channel id, else the default.
func (c *Config) Route(m *processor.ChannelMessage) *processor.Pipeline {
	for i := range c.Channels {
		cp := &c.Channels[i]
		if cp.Channel.Match(m.ChannelArn) && (cp.SubChannel == "" || cp.SubChannel.Match(m.SubChannelID)) {
			return cp.Pipeline
		}
	}
	return c.Default
}

//go:embed default.yaml
var defaultDocument []byte

// DefaultDocument returns the bundled default configuration, the one used
// when none is given.
func DefaultDocument() []byte { return append([]byte(nil), defaultDocument...) }

// DefaultSource names the bundled default configuration in messages.
const DefaultSource = "<bundled default.yaml>"

// Default loads the bundled default configuration. The rules it names must
// be registered: import rules/all.
func Default() (*Config, error) { return Parse(defaultDocument, DefaultSource) }

// Load loads the configuration file at path, or the bundled default when
// path is "".
func Load(path string) (*Config, error) {
	if path == "" {
		return Default()
	}
	return LoadFile(path)
}

// SetErrorPolicy gives every pipeline of c the error policy p; stages that
// set their own keep it.
func (c *Config) SetErrorPolicy(p processor.ErrorPolicy) {
	c.Default.OnError = p
	for _, cp := range c.Channels {
		cp.Pipeline.OnError = p
	}
}

// SetVersion names this version of the configuration, in c.Version and in
// every pipeline, so that each outcome says which version decided it
// (processor.Outcome.RulesVersion). Call it before c serves.
func (c *Config) SetVersion(v string) {
	c.Version = v
	c.Default.Version = v
	for _, cp := range c.Channels {
		cp.Pipeline.Version = v
	}
}

// LoadFile loads a configuration file.
func LoadFile(path string) (*Config, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules configuration: %w", err)
	}
	return Parse(doc, path)
}

// The file's schema. Rule entries are decoded one by one so that their
// options keep their place in the file.
type fileConfig struct {
	OnError  string          `yaml:"onError"`
	Skip     *Skip           `yaml:"skip"`
	Rules    []*yaml.Node    `yaml:"rules"`
	Channels []channelConfig `yaml:"channels"`
}

type channelConfig struct {
	Name       string       `yaml:"name"`
	Channel    string       `yaml:"channel"`
	SubChannel string       `yaml:"subChannel"`
	OnError    string       `yaml:"onError"`
	Skip       *Skip        `yaml:"skip"`
	Rules      []*yaml.Node `yaml:"rules"`
}

type stageConfig struct {
	Rule    string     `yaml:"rule"`
	Name    string     `yaml:"name"`
	DryRun  bool       `yaml:"dryRun"`
	OnError string     `yaml:"onError"`
	Skip    *Skip      `yaml:"skip"`
	Options *yaml.Node `yaml:"options"`
}

// Parse builds a Config from a YAML (or JSON) document. It checks the whole
// document, builds every rule, and reports every mistake at once, each with
// its line and column, as a *ConfigError; source names the document in
// those messages (a file path, an environment variable). It never returns a
// half-built Config.
func Parse(doc []byte, source string) (*Config, error) {
	errs := newDocument(source)
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		errs.add(nil, "not valid YAML or JSON: %v", err)
		return nil, errs.err()
	}
	if len(root.Content) == 0 {
		errs.add(nil, "the document is empty; want a mapping with rules")
		return nil, errs.err()
	}
	top := root.Content[0]
	var fc fileConfig
	d := decoder{doc: errs, what: "field"}
	d.value(top, reflect.ValueOf(&fc).Elem(), "")

	names := Names()
	cfg := &Config{}
	policy := parsePolicy(errs, child(top, "onError"), fc.OnError)
	skip := compileSkip(errs, child(top, "skip"), fc.Skip)
	cfg.Default = buildPipeline(errs, names, "default", policy, fc.Rules)
	cfg.Default.Skip = skip
	for i := range fc.Channels {
		cc := &fc.Channels[i]
		at := child(child(top, "channels"), strconv.Itoa(i))
		cp := ChannelPipeline{}
		var err error
		if cc.Channel == "" {
			errs.add(at, "channels[%d]: channel (an ARN glob) is required", i)
		} else if cp.Channel, err = ParseARNGlob(cc.Channel); err != nil {
			errs.add(child(at, "channel"), "channels[%d]: %v", i, err)
		}
		if cc.SubChannel != "" {
			if cp.SubChannel, err = ParseIDGlob(cc.SubChannel); err != nil {
				errs.add(child(at, "subChannel"), "channels[%d]: %v", i, err)
			}
		}
		p := policy
		if cc.OnError != "" {
			p = parsePolicy(errs, child(at, "onError"), cc.OnError)
		}
		name := cc.Name
		if name == "" {
			name = cc.Channel
			if cc.SubChannel != "" {
				name += " / " + cc.SubChannel
			}
		}
		if child(at, "rules") == nil {
			errs.add(at, "channels[%d]: rules is required (an empty list allows everything)", i)
		}
		cp.Pipeline = buildPipeline(errs, names, name, p, cc.Rules)
		cp.Pipeline.Skip = skip
		if cc.Skip != nil {
			cp.Pipeline.Skip = compileSkip(errs, child(at, "skip"), cc.Skip)
		}
		cfg.Channels = append(cfg.Channels, cp)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// compileSkip compiles the skip written at n, reporting each problem at
// its place; nil for none.
func compileSkip(errs *document, n *yaml.Node, s *Skip) processor.Skipper {
	if s == nil {
		return nil
	}
	var bad Problems
	sk := s.Compile("", &bad)
	if r := resolve(n); s.IsZero() && r != nil && r.Kind == yaml.MappingNode && len(r.Content) == 0 {
		bad.Add("", "no test: give bots, users, senders or contentTypes")
	}
	for _, p := range bad.list {
		at := n
		if p.Option != "" {
			at, _ = descend(n, strings.Split(p.Option, "."))
		}
		where := "skip"
		if p.Option != "" {
			where += "." + p.Option
		}
		errs.add(at, "%s: %s", where, p.Msg)
	}
	return sk
}

func parsePolicy(errs *document, at *yaml.Node, s string) processor.ErrorPolicy {
	p, err := processor.ParseErrorPolicy(s)
	if err != nil {
		errs.add(at, "onError: %q is not deny or allow", s)
	}
	return p
}

func buildPipeline(errs *document, names []string, name string, policy processor.ErrorPolicy, entries []*yaml.Node) *processor.Pipeline {
	p := &processor.Pipeline{Name: name, OnError: policy}
	stageNames := map[string]bool{}
	for _, n := range entries {
		n = resolve(n)
		if n == nil {
			continue
		}
		var sc stageConfig
		d := decoder{doc: errs, what: "field", prefix: "rule entry: "}
		d.value(n, reflect.ValueOf(&sc).Elem(), "")
		if sc.Rule == "" {
			if n.Kind == yaml.MappingNode {
				errs.add(n, "rule entry: rule (the registered rule name) is required")
			}
			continue
		}
		if sc.Name == "" {
			sc.Name = sc.Rule
		}
		if stageNames[sc.Name] {
			errs.add(n, "pipeline %s: two rules named %q; give one a different name", name, sc.Name)
		}
		stageNames[sc.Name] = true
		st := processor.Stage{Name: sc.Name, DryRun: sc.DryRun}
		if sc.Skip != nil {
			st.Skip = compileSkip(errs, child(n, "skip"), sc.Skip)
		}
		if sc.OnError != "" {
			st.OnError = parsePolicy(errs, child(n, "onError"), sc.OnError)
		}
		f, ok := Lookup(sc.Rule)
		if !ok {
			errs.add(child(n, "rule"), "%s", unknownRule(sc.Rule, names))
			continue
		}
		o := &options{stage: sc.Name, at: n, doc: errs}
		if sc.Options != nil && !isNull(sc.Options) {
			o.node = sc.Options
		}
		st.Rule = o.build(f)
		p.Stages = append(p.Stages, st)
	}
	return p
}
