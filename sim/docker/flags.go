package docker

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
)

// flagKind is how a flag takes its value.
type flagKind int

const (
	boolFlag flagKind = iota
	stringFlag
	listFlag  // repeatable: -e A -e B
	intFlag   // a number, checked as pflag checks it
	bytesFlag // a size such as 64m, checked as docker/cli's MemBytes checks it
)

// flagSpec is one flag of a command.
type flagSpec struct {
	long   string
	short  string
	kind   flagKind
	def    string
	usage  string
	hidden bool // a deprecated spelling: accepted, not in --help
}

// flagSet holds parsed flag values.
type flagSet struct {
	specs  []flagSpec
	values map[string][]string
	set    map[string]bool
}

func (f *flagSet) bool(name string) bool {
	v := f.values[name]
	return len(v) > 0 && v[len(v)-1] == "true"
}

func (f *flagSet) str(name string) string {
	v := f.values[name]
	if len(v) == 0 {
		for _, s := range f.specs {
			if s.long == name {
				return s.def
			}
		}
		return ""
	}
	return v[len(v)-1]
}

func (f *flagSet) list(name string) []string { return f.values[name] }

// int is an intFlag's value; parseFlags has checked it.
func (f *flagSet) int(name string) int {
	n, _ := strconv.Atoi(f.str(name))
	return n
}

func (f *flagSet) changed(name string) bool { return f.set[name] }

// usageError is a flag error, printed the way docker 28's FlagErrorFunc
// does: the error, the usage line, then where to read more.
type usageError struct {
	msg string
	cmd *command
}

func (e *usageError) Error() string {
	return fmt.Sprintf("%s\n\nUsage:  docker %s\n\nRun 'docker %s --help' for more information", e.msg, e.cmd.usage, e.cmd.name)
}

// parseFlags reads flags the way the docker CLI (pflag) does. With
// interspersed false, parsing stops at the first argument that is not a
// flag: everything after an image name belongs to the container's command.
func parseFlags(cmd *command, args []string) (*flagSet, []string, error) {
	fs := &flagSet{specs: cmd.flags, values: map[string][]string{}, set: map[string]bool{}}
	byLong := map[string]flagSpec{"help": {long: "help", kind: boolFlag}}
	byShort := map[string]flagSpec{}
	for _, s := range cmd.flags {
		byLong[s.long] = s
		if s.short != "" {
			byShort[s.short] = s
		}
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			return fs, rest, nil
		case strings.HasPrefix(a, "--") && len(a) > 2:
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec, ok := byLong[name]
			if !ok {
				return nil, nil, &usageError{msg: "unknown flag: --" + name, cmd: cmd}
			}
			if spec.kind == boolFlag {
				if !hasVal {
					val = "true"
				}
				if val != "true" && val != "false" {
					return nil, nil, &usageError{msg: fmt.Sprintf("invalid argument %q for %q flag: strconv.ParseBool: parsing %q: invalid syntax", val, spec.name(), val), cmd: cmd}
				}
			} else if !hasVal {
				if i+1 >= len(args) {
					return nil, nil, &usageError{msg: "flag needs an argument: --" + name, cmd: cmd}
				}
				i++
				val = args[i]
			}
			if err := checkValue(spec, val, spec.name(), cmd); err != nil {
				return nil, nil, err
			}
			fs.values[spec.long] = append(fs.values[spec.long], val)
			fs.set[spec.long] = true
		case strings.HasPrefix(a, "-") && len(a) > 1:
			shorts := a[1:]
			for j := 0; j < len(shorts); j++ {
				c := string(shorts[j])
				if c == "h" && cmd.flagByShort("h") == nil {
					fs.values["help"] = []string{"true"}
					continue
				}
				spec, ok := byShort[c]
				if !ok {
					return nil, nil, &usageError{msg: fmt.Sprintf("unknown shorthand flag: '%s' in -%s", c, shorts), cmd: cmd}
				}
				if spec.kind == boolFlag {
					val := "true"
					if j+1 < len(shorts) && shorts[j+1] == '=' {
						// -H=false, as pflag reads it.
						val, j = shorts[j+2:], len(shorts)
						if val != "true" && val != "false" {
							return nil, nil, &usageError{msg: fmt.Sprintf("invalid argument %q for %q flag: strconv.ParseBool: parsing %q: invalid syntax", val, spec.name(), val), cmd: cmd}
						}
					}
					fs.values[spec.long] = append(fs.values[spec.long], val)
					fs.set[spec.long] = true
					continue
				}
				val := shorts[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, nil, &usageError{msg: fmt.Sprintf("flag needs an argument: '%s' in -%s", c, shorts), cmd: cmd}
					}
					i++
					val = args[i]
				}
				val = strings.TrimPrefix(val, "=")
				if err := checkValue(spec, val, spec.name(), cmd); err != nil {
					return nil, nil, err
				}
				fs.values[spec.long] = append(fs.values[spec.long], val)
				fs.set[spec.long] = true
				break
			}
		default:
			if !cmd.interspersed {
				rest = append(rest, args[i:]...)
				return fs, rest, nil
			}
			rest = append(rest, a)
		}
	}
	return fs, rest, nil
}

// checkValue refuses a value an int or size flag cannot take.
func checkValue(spec flagSpec, val, name string, cmd *command) error {
	switch spec.kind {
	case intFlag:
		return checkInt(val, name, cmd)
	case bytesFlag:
		if _, err := units.RAMInBytes(val); err != nil {
			return &usageError{msg: fmt.Sprintf("invalid argument %q for %q flag: %v", val, name, err), cmd: cmd}
		}
	}
	return nil
}

// bytes is a bytesFlag's value; parseFlags has checked it.
func (f *flagSet) bytes(name string) int64 {
	n, _ := units.RAMInBytes(f.str(name))
	return n
}

// name is how pflag names a flag in its errors: "-n, --last" or "--time".
func (s flagSpec) name() string {
	if s.short != "" {
		return "-" + s.short + ", --" + s.long
	}
	return "--" + s.long
}

// checkInt refuses a value an int flag cannot take, in pflag's words.
func checkInt(val, name string, cmd *command) error {
	if _, err := strconv.ParseInt(val, 0, 64); err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			err = ne.Err
		}
		return &usageError{msg: fmt.Sprintf("invalid argument %q for %q flag: strconv.ParseInt: parsing %q: %v", val, name, val, err), cmd: cmd}
	}
	return nil
}

func (c *command) flagByShort(s string) *flagSpec {
	for i := range c.flags {
		if c.flags[i].short == s {
			return &c.flags[i]
		}
	}
	return nil
}

// help prints a command's --help the way the docker CLI lays it out.
func (c *command) help() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nUsage:  docker %s\n\n%s\n", c.usage, c.short)
	if len(c.aliases) > 0 {
		fmt.Fprintf(&b, "\nAliases:\n  %s\n", strings.Join(c.aliases, ", "))
	}
	if len(c.flags) > 0 {
		b.WriteString("\nOptions:\n")
		specs := append([]flagSpec(nil), c.flags...)
		sort.Slice(specs, func(i, j int) bool { return specs[i].long < specs[j].long })
		rows := make([][2]string, 0, len(specs))
		width := 0
		for _, s := range specs {
			if s.hidden {
				continue
			}
			left := "      --" + s.long
			if s.short != "" {
				left = "  -" + s.short + ", --" + s.long
			}
			switch s.kind {
			case stringFlag:
				left += " string"
			case listFlag:
				left += " list"
			case intFlag:
				left += " int"
			case bytesFlag:
				left += " bytes"
			}
			if len(left) > width {
				width = len(left)
			}
			usage := s.usage
			if s.def != "" && s.kind != boolFlag {
				usage += fmt.Sprintf(" (default %q)", s.def)
			}
			rows = append(rows, [2]string{left, usage})
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "%-*s   %s\n", width, r[0], r[1])
		}
	}
	return b.String()
}
