// Package formatter prints the docker CLI's lists (ps, images, history,
// volume ls, network ls, system df, context ls) in one way, modelled on
// docker/cli's cli/command/formatter package: each row is a context value
// whose methods are the --format fields; a "table" format gets a header made
// by running the same template against the column names; "json" is
// {{json .}}, which marshals every field method, keys sorted; and template
// errors are worded as the CLI words them, on the client side.
//
// The context types keep docker/cli's names so that a template error names
// the same type a learner would see from the real CLI ("can't evaluate
// field Nope in type *formatter.imageContext").
package formatter
