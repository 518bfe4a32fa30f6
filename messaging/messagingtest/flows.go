package messagingtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/messaging"
)

// Flow is a channel flow held by the Server.
type Flow struct {
	Arn                string
	AppInstanceArn     string
	Name               string
	Processors         []messaging.Processor
	ClientRequestToken string
	// Channels are the associated channels, sorted.
	Channels []string
}

type flowState struct {
	seq      int
	flows    map[string]*Flow  // by ARN
	tokens   map[string]string // ClientRequestToken -> flow ARN
	assoc    map[string]string // channel ARN -> flow ARN
	channels map[string]bool   // channels that exist
	bearers  map[string]bool   // users and bots allowed to (dis)associate
}

func newFlowState() flowState {
	return flowState{flows: map[string]*Flow{}, tokens: map[string]string{}, assoc: map[string]string{}, channels: map[string]bool{}, bearers: map[string]bool{}}
}

// AddChannels makes channels exist, so that they can be associated.
func (s *Server) AddChannels(channelARNs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range channelARNs {
		s.flows.channels[c] = true
	}
}

// AddBearers makes app instance users or bots admins, allowed to associate
// and disassociate channels.
func (s *Server) AddBearers(arns ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range arns {
		s.flows.bearers[b] = true
	}
}

// SetPageSize sets the largest page ListChannelsAssociatedWithChannelFlow
// answers (a request's MaxResults may ask for less).
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.cfg.PageSize = n
	}
}

// PutFlow stores a flow as if it had been created, with its channels
// associated, and returns it. An empty Arn gets one under AppInstanceArn.
func (s *Server) PutFlow(f Flow) Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := &s.flows
	if f.Arn == "" {
		f.Arn = fs.newARN(f.AppInstanceArn)
	}
	stored := f
	stored.Processors = slices.Clone(f.Processors)
	stored.Channels = nil
	fs.flows[f.Arn] = &stored
	if f.ClientRequestToken != "" {
		fs.tokens[f.ClientRequestToken] = f.Arn
	}
	for _, c := range f.Channels {
		fs.channels[c] = true
		fs.assoc[c] = f.Arn
	}
	return fs.flow(f.Arn)
}

// Flow returns the flow with the ARN, and whether it exists.
func (s *Server) Flow(arn string) (Flow, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.flows.flows[arn]; !ok {
		return Flow{}, false
	}
	return s.flows.flow(arn), true
}

// Flows returns every flow, sorted by ARN.
func (s *Server) Flows() []Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	arns := sortedKeys(s.flows.flows)
	out := make([]Flow, len(arns))
	for i, arn := range arns {
		out[i] = s.flows.flow(arn)
	}
	return out
}

func (fs *flowState) flow(arn string) Flow {
	f := *fs.flows[arn]
	f.Processors = slices.Clone(f.Processors)
	f.Channels = nil
	for c, fa := range fs.assoc {
		if fa == arn {
			f.Channels = append(f.Channels, c)
		}
	}
	sort.Strings(f.Channels)
	return f
}

// newARN returns the ARN of a new flow of the app instance.
func (fs *flowState) newARN(appInstanceARN string) string {
	fs.seq++
	return fmt.Sprintf("%s/channel-flow/%08x-0000-4000-8000-%012x", appInstanceARN, fs.seq, fs.seq)
}

// work does an operation on the state.
func (s *Server) work(op *operation, params map[string]any) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op.Name {
	case messaging.OpChannelFlowCallback:
		return s.callback(params)
	case messaging.OpGetChannelMessageStatus:
		return s.status(params)
	}
	return s.flowWork(op.Name, params)
}

// flowWork does a channel flow operation; s.mu is held.
func (s *Server) flowWork(op string, params map[string]any) (any, *apiError) {
	fs := &s.flows
	str := func(name string) string { v, _ := params[name].(string); return v }
	flowOf := func(arn string) (*Flow, *apiError) {
		f, ok := fs.flows[arn]
		if !ok {
			return nil, s.fail("NotFoundException", "channel flow %s not found", arn)
		}
		return f, nil
	}
	processors := func() ([]messaging.Processor, *apiError) {
		raw, _ := json.Marshal(params["Processors"])
		var ps []messaging.Processor
		if err := json.Unmarshal(raw, &ps); err != nil {
			return nil, s.fail("BadRequestException", "Processors: %v", err)
		}
		return ps, nil
	}
	switch op {
	case messaging.OpCreateChannelFlow:
		app, token := str("AppInstanceArn"), str("ClientRequestToken")
		if arn, ok := fs.tokens[token]; ok {
			if _, exists := fs.flows[arn]; exists {
				return map[string]string{"ChannelFlowArn": arn}, nil
			}
		}
		ps, e := processors()
		if e != nil {
			return nil, e
		}
		f := &Flow{Arn: fs.newARN(app), AppInstanceArn: app, Name: str("Name"), Processors: ps, ClientRequestToken: token}
		fs.flows[f.Arn] = f
		fs.tokens[token] = f.Arn
		return map[string]string{"ChannelFlowArn": f.Arn}, nil

	case messaging.OpUpdateChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		ps, e := processors()
		if e != nil {
			return nil, e
		}
		f.Name, f.Processors = str("Name"), ps
		return map[string]string{"ChannelFlowArn": f.Arn}, nil

	case messaging.OpDeleteChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		for _, c := range sortedKeys(fs.assoc) {
			if fs.assoc[c] == f.Arn {
				return nil, s.fail("ConflictException", "channel flow %s is associated with channel %s", f.Arn, c)
			}
		}
		delete(fs.flows, f.Arn)
		return nil, nil

	case messaging.OpDescribeChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		return map[string]any{"ChannelFlow": map[string]any{
			"ChannelFlowArn": f.Arn, "Name": f.Name, "Processors": f.Processors,
			"CreatedTimestamp": 1.7e9, "LastUpdatedTimestamp": 1.7e9,
		}}, nil

	case messaging.OpAssociateChannelFlow, messaging.OpDisassociateChannelFlow:
		channel, bearer := str("ChannelArn"), str("ChimeBearer")
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		if !fs.bearers[bearer] {
			return nil, s.fail("ForbiddenException", "%s is not an AppInstanceAdmin or a moderator of %s", bearer, channel)
		}
		if !fs.channels[channel] {
			return nil, s.fail("NotFoundException", "channel %s not found", channel)
		}
		if !strings.HasPrefix(channel, f.AppInstanceArn+"/") || !strings.HasPrefix(bearer, f.AppInstanceArn+"/") {
			return nil, s.fail("BadRequestException", "channel %s, bearer %s and flow %s are not of one app instance", channel, bearer, f.Arn)
		}
		current, associated := fs.assoc[channel]
		if op == messaging.OpAssociateChannelFlow {
			if associated && current != f.Arn {
				return nil, s.fail("ConflictException", "channel %s is associated with channel flow %s", channel, current)
			}
			fs.assoc[channel] = f.Arn
			return nil, nil
		}
		if !associated || current != f.Arn {
			return nil, s.fail("NotFoundException", "channel %s is not associated with channel flow %s", channel, f.Arn)
		}
		delete(fs.assoc, channel)
		return nil, nil

	case messaging.OpListChannelsAssociatedWithChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		var channels []string
		for c, fa := range fs.assoc {
			if fa == f.Arn {
				channels = append(channels, c)
			}
		}
		sort.Strings(channels)
		size := s.cfg.PageSize
		if n, ok := params["MaxResults"].(float64); ok && int(n) < size {
			size = int(n)
		}
		start := 0
		if tok := str("NextToken"); tok != "" {
			i, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
			if err != nil || i < 0 || i > len(channels) {
				return nil, s.fail("BadRequestException", "bad NextToken")
			}
			start = i
		}
		end := min(start+size, len(channels))
		page := []map[string]string{}
		for _, c := range channels[start:end] {
			page = append(page, map[string]string{"ChannelArn": c, "Name": c[strings.LastIndexByte(c, '/')+1:], "Mode": "RESTRICTED", "Privacy": "PRIVATE"})
		}
		out := map[string]any{"Channels": page}
		if end < len(channels) {
			out["NextToken"] = "page-" + strconv.Itoa(end)
		}
		return out, nil
	}
	return nil, s.fail("BadRequestException", "operation %s is not served by the stand-in", op)
}
