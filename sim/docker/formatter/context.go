package formatter

// DefaultContextTableFormat is docker context ls's table.
const DefaultContextTableFormat = "table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}"

// DockerContext is one docker context: a named engine endpoint.
type DockerContext struct {
	Name           string
	Description    string
	DockerEndpoint string
	Current        bool
}

// NewContextFormat is the format docker context ls uses for --format source.
func NewContextFormat(source string, quiet bool) Format {
	if source == TableFormatKey || source == "" {
		if quiet {
			return "{{.Name}}"
		}
		return DefaultContextTableFormat
	}
	return Format(source)
}

// ContextWrite prints docker contexts.
func ContextWrite(ctx Context, contexts []DockerContext) error {
	rows := make([]SubContext, len(contexts))
	for i := range contexts {
		rows[i] = &clientContextContext{c: contexts[i]}
	}
	header := &clientContextContext{}
	header.Header = SubHeaderContext{
		"Name": "NAME", "Description": "DESCRIPTION",
		"DockerEndpoint": "DOCKER ENDPOINT", "Error": "ERROR",
	}
	return ctx.Write(header, rows)
}

type clientContextContext struct {
	HeaderContext
	c DockerContext
}

func (c *clientContextContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *clientContextContext) Name() string           { return c.c.Name }
func (c *clientContextContext) Current() bool          { return c.c.Current }
func (c *clientContextContext) Description() string    { return c.c.Description }
func (c *clientContextContext) DockerEndpoint() string { return c.c.DockerEndpoint }
func (c *clientContextContext) Error() string          { return "" }
