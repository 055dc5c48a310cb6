// Package static holds layerlab's browser assets (CSS, JavaScript, images),
// embedded into the binary.
package static

import "embed"

// FS holds css/, js/ and img/.
//
//go:embed css js img
var FS embed.FS
