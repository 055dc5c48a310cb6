// Package docs carries the one document the server itself serves: the
// OpenAPI description of its JSON API, at /openapi.yaml. The rest of this
// directory is for people.
package docs

import _ "embed"

// OpenAPI is openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
