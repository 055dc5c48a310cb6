package docker

import "testing"

// TestColumns: the CLI's column formats, as docker-cli's formatter writes
// them (formatter.Ellipsis then strconv.Quote for COMMAND; go-units'
// HumanSize with four digits for docker system df).
func TestColumns(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		// COMMAND: cut to 20 runes, then quoted, keeping the closing quote
		{commandColumn([]string{"sleep", "infinity"}), `"sleep infinity"`},
		{commandColumn([]string{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"}), `"/docker-entrypoint.…"`},
		{commandColumn([]string{"python", "app.py", "--port=80"}), `"python app.py --por…"`},
		{commandColumn([]string{"echo", `say "hi"`}), `"echo say \"hi\""`},
		// system df sizes: four significant digits
		{humanSize4(0), "0B"},
		{humanSize4(999), "999B"},
		{humanSize4(256200), "256.2kB"},
		{humanSize4(7797760), "7.798MB"},
		{humanSize4(1022000000), "1.022GB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}
