// Package lessons holds the course: one Markdown file per lesson, the loader
// that reads them, the goal language authors use to say when a step is done
// (expr expressions over the simulator's state), and the checker that proves
// every step can be completed by its own solution.
//
// A lesson file is YAML front matter between "---" lines, an introduction,
// and "## Step: Title" sections. Each step section ends with a fenced block
// whose info string is "step": YAML with the step's goal, hints and
// solution. docs/authoring.md is the author's guide.
package lessons
