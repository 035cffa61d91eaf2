package load

import (
	"encoding/json"
	"fmt"

	"github.com/ssebench/ssebench/internal/stub"
)

// ParseClients decodes the "clients" of every scenario strictly, each against its scenario
// (ParseScenarios, which checks them too): an unknown field, a bad value or a client its
// executor cannot run is an error naming the field's path.
func ParseClients(b []byte) (map[string]Clients, error) {
	scenarios, err := ParseScenarios(b)
	if err != nil {
		return nil, err
	}
	return parseClientsOf(b, scenarios)
}

// parseClientsOf is ParseClients over the file's scenarios, already decoded from b.
func parseClientsOf(b []byte, scenarios map[string]Scenario) (map[string]Clients, error) {
	out := map[string]Clients{}
	err := eachExtension(b, "clients", func(name, path string, raw json.RawMessage) error {
		c, err := parseClients(raw, path, scenarios[name])
		out[name] = c
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseClients reads one scenario's "clients" and checks them against its scenario sc.
func parseClients(raw json.RawMessage, path string, sc Scenario) (Clients, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return Clients{}, err
	}
	f := fieldReader{fields: fields, path: path}
	if err := f.onlyKnown([]string{"cancel", "slowReaders"}); err != nil {
		return Clients{}, err
	}
	if len(fields) == 0 {
		return Clients{}, fmt.Errorf("%s: empty (want cancel or slowReaders)", path)
	}
	var c Clients
	if raw, ok := fields["cancel"]; ok {
		if c.Cancel, err = parseCancelClients(raw, path+".cancel"); err != nil {
			return Clients{}, err
		}
	}
	if raw, ok := fields["slowReaders"]; ok {
		if c.SlowReaders, err = parseSlowReaders(raw, path+".slowReaders"); err != nil {
			return Clients{}, err
		}
	}
	return c, c.check(sc, path)
}

func parseCancelClients(raw json.RawMessage, path string) (*CancelClients, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return nil, err
	}
	f := fieldReader{fields: fields, path: path}
	if err := f.onlyKnown([]string{"share"}); err != nil {
		return nil, err
	}
	if _, ok := fields["share"]; !ok {
		return nil, fmt.Errorf("%s.share: missing", path)
	}
	share, err := f.number("share")
	if err != nil {
		return nil, err
	}
	return &CancelClients{Share: share}, nil
}

func parseSlowReaders(raw json.RawMessage, path string) (*SlowReaders, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return nil, err
	}
	f := fieldReader{fields: fields, path: path}
	if err := f.onlyKnown([]string{"count", "bytesPerSecond", "receiveBuffer", "tokens", "tokenSize", "interTokenDelay"}); err != nil {
		return nil, err
	}
	if _, ok := fields["count"]; !ok {
		return nil, fmt.Errorf("%s.count: missing", path)
	}
	var s SlowReaders
	if s.Count, err = f.count("count", 0, 1); err != nil {
		return nil, err
	}
	if s.BytesPerSecond, err = f.count("bytesPerSecond", DefaultSlowReaderBytesPerSecond, 1); err != nil {
		return nil, err
	}
	if s.ReceiveBuffer, err = f.count("receiveBuffer", DefaultSlowReaderReceiveBuffer, 1); err != nil {
		return nil, err
	}
	if s.Tokens, err = f.count("tokens", 0, 1); err != nil {
		return nil, err
	}
	if s.TokenSize, err = f.count("tokenSize", 0, 1); err != nil {
		return nil, err
	}
	if _, s.Paced = fields["interTokenDelay"]; s.Paced {
		if s.InterTokenDelay, err = f.duration("interTokenDelay", 0, true); err != nil {
			return nil, err
		}
	}
	if s.TokenSize > stub.MaxTokenSize {
		return nil, fmt.Errorf("%s.tokenSize: %d is over the stub's limit of %d", path, s.TokenSize, stub.MaxTokenSize)
	}
	return &s, nil
}
