package pkg

import (
	"crypto/sha512"
	"regexp"
	"strings"
	"time"
)

var zeroTime = time.Unix(0, 0).UTC()

// releaseName is a binary release named NAME_VERSION_linux_ARCH, as many
// Go projects publish them.
var releaseName = regexp.MustCompile(`^([a-z][a-z0-9-]*)_v?([0-9][^_]*)_linux_[a-z0-9]+$`)

func sha512sum(d []byte) [64]byte { return sha512.Sum512(d) }

// archiveTree is what a teaching tarball holds: its top directory and its
// members. Known projects get the files their "make install" (or, for
// prebuilt tarballs, their layout) really puts in place, with real sizes;
// any other project gets the same source-tree shape with one program.
func archiveTree(name string) (top string, files []tfile) {
	stem := name
	for _, s := range []string{".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tgz", ".txz", ".tar"} {
		stem = strings.TrimSuffix(stem, s)
	}
	switch {
	case strings.HasPrefix(stem, "node-v") && strings.Contains(stem, "-linux-"):
		return stem, nodeTree(strings.TrimPrefix(strings.SplitN(stem, "-linux-", 2)[0], "node-v"))
	case strings.HasPrefix(stem, "go") && strings.Contains(stem, ".linux-"):
		return "go", goTree(strings.TrimPrefix(strings.SplitN(stem, ".linux-", 2)[0], "go"))
	case strings.HasPrefix(stem, "yarn-v"):
		return stem, []tfile{
			{name: "bin/yarn", kind: 'x', text: "#!/bin/sh\n# yarn: " + "teaching copy\n"},
			{name: "bin/yarnpkg", kind: 'x', text: "#!/bin/sh\n# yarnpkg: teaching copy\n"},
			{name: "lib/cli.js", kind: 'f', size: 5_300_000},
			{name: "package.json", kind: 'f', text: "{\"name\": \"yarn\"}\n"},
		}
	}
	if m := releaseName.FindStringSubmatch(stem); m != nil {
		// a release of one static binary (NAME_VERSION_linux_ARCH), files at the top
		return "", []tfile{
			{name: m[1], kind: 'x', size: 40_000_000},
			{name: "LICENSE", kind: 'f', size: 11_357},
			{name: "README.md", kind: 'f', text: m[1] + " " + m[2] + " (teaching copy)\n"},
		}
	}
	m := sourceName.FindStringSubmatch(name)
	project, version := stem, ""
	if m != nil {
		project, version = m[1], m[2]
	}
	files = []tfile{
		{name: "README.layerlab", kind: 'f', text: "This is a teaching copy of the source of " + stem + ".\nIts configure and Makefile compile nothing: \"make install\" puts the\nprogram's files in place with their real sizes, as a real build would.\n" + teachingLine},
		{name: "configure", kind: 'x', text: configureScript(stem)},
		{name: "Makefile", kind: 'f', text: "# teaching copy of the Makefile of " + stem + "\nall:\ninstall:\n"},
	}
	for _, f := range installTree(strings.ToLower(project), version) {
		f.name = ".teaching-install/" + f.name
		files = append(files, f)
	}
	files = append(files, sourceExtras(strings.ToLower(project))...)
	return stem, files
}

const teachingLine = "(" + "layerlab teaching download" + ")\n"

// configureScript records the prefix for make install, as config.status
// would, and says it configured nothing.
func configureScript(stem string) string {
	return `#!/bin/sh
# configure: teaching copy for ` + stem + `
prefix=/usr/local
for arg in "$@"; do
	case "$arg" in
	--prefix=*) prefix="${arg#--prefix=}" ;;
	esac
done
echo "configure: teaching copy of ` + stem + `: nothing to check, installing into $prefix"
echo "$prefix" > .teaching-prefix
`
}

// installTree lists what make install puts under the prefix, by project.
func installTree(project, version string) []tfile {
	mm := version
	if parts := strings.SplitN(version, ".", 3); len(parts) >= 2 {
		mm = parts[0] + "." + parts[1]
	}
	switch project {
	case "python":
		return []tfile{
			{name: "bin/python" + mm, kind: 'x', size: 16_696},
			{name: "bin/python3", kind: 'l', text: "python" + mm},
			{name: "bin/python" + mm + "-config", kind: 'x', text: "#!/bin/sh\n# python-config: teaching copy\n"},
			{name: "bin/python3-config", kind: 'l', text: "python" + mm + "-config"},
			{name: "bin/pip3", kind: 'x', text: "#!/usr/local/bin/python" + mm + "\nfrom pip._internal.cli.main import main\n"},
			{name: "bin/pip" + mm, kind: 'x', text: "#!/usr/local/bin/python" + mm + "\nfrom pip._internal.cli.main import main\n"},
			{name: "bin/pydoc3", kind: 'l', text: "pydoc" + mm},
			{name: "bin/pydoc" + mm, kind: 'x', text: "#!/usr/local/bin/python" + mm + "\nimport pydoc\n"},
			{name: "bin/idle3", kind: 'l', text: "idle" + mm},
			{name: "bin/idle" + mm, kind: 'x', text: "#!/usr/local/bin/python" + mm + "\nfrom idlelib.pyshell import main\n"},
			{name: "lib/libpython" + mm + ".so.1.0", kind: 'x', size: 24_614_056},
			{name: "lib/libpython3.so", kind: 'f', size: 15_624},
			{name: "lib/python" + mm + "/os.py", kind: 'f', size: 41_180},
			{name: "lib/python" + mm + "/the-rest-of-the-standard-library.py", kind: 'f', size: 38_000_000},
			{name: "lib/python" + mm + "/test/test_grammar.py", kind: 'f', size: 60_000},
			{name: "lib/python" + mm + "/lib-dynload/_ssl.so", kind: 'f', size: 1_170_000},
			{name: "lib/python" + mm + "/site-packages/pip/__init__.py", kind: 'f', size: 357},
			{name: "lib/python" + mm + "/site-packages/the-rest-of-pip.py", kind: 'f', size: 9_500_000},
			{name: "include/python" + mm + "/Python.h", kind: 'f', size: 2_854},
			{name: "share/man/man1/python" + mm + ".1", kind: 'f', size: 19_000},
		}
	case "redis":
		return []tfile{
			{name: "bin/redis-server", kind: 'x', size: 12_400_000},
			{name: "bin/redis-cli", kind: 'x', size: 7_100_000},
			{name: "bin/redis-benchmark", kind: 'x', size: 6_600_000},
			{name: "bin/redis-check-aof", kind: 'l', text: "redis-server"},
			{name: "bin/redis-check-rdb", kind: 'l', text: "redis-server"},
			{name: "bin/redis-sentinel", kind: 'l', text: "redis-server"},
		}
	case "httpd":
		return []tfile{
			{name: "bin/httpd", kind: 'x', size: 2_600_000},
			{name: "bin/apachectl", kind: 'x', text: "#!/bin/sh\n# apachectl: teaching copy\n"},
			{name: "bin/ab", kind: 'x', size: 90_000},
			{name: "conf/httpd.conf", kind: 'f', text: httpdConf},
			{name: "conf/mime.types", kind: 'f', size: 61_000},
			{name: "htdocs/index.html", kind: 'f', text: "<html><body><h1>It works!</h1></body></html>\n"},
			{name: "modules/mod_headers.so", kind: 'x', size: 100_000},
			{name: "modules/mod_rewrite.so", kind: 'x', size: 260_000},
			{name: "modules/the-other-modules.so", kind: 'x', size: 6_000_000},
			{name: "logs", kind: 'd'},
			{name: "include/httpd.h", kind: 'f', size: 93_000},
			{name: "man/man8/httpd.8", kind: 'f', size: 6_000},
			{name: "manual/index.html", kind: 'f', size: 9_000},
			{name: "manual/the-rest-of-the-manual.html", kind: 'f', size: 12_000_000},
		}
	case "memcached":
		return []tfile{{name: "bin/memcached", kind: 'x', size: 1_050_000}, {name: "include/memcached/protocol_binary.h", kind: 'f', size: 19_000}}
	case "php":
		return []tfile{
			{name: "bin/php", kind: 'x', size: 29_000_000},
			{name: "bin/php-config", kind: 'x', text: "#!/bin/sh\n# php-config: teaching copy\n"},
			{name: "bin/phpize", kind: 'x', text: "#!/bin/sh\n# phpize: teaching copy\n"},
			{name: "bin/pecl", kind: 'x', text: "#!/bin/sh\n# pecl: teaching copy\n"},
			{name: "bin/pear", kind: 'x', text: "#!/bin/sh\n# pear: teaching copy\n"},
			{name: "sbin/php-fpm", kind: 'x', size: 29_500_000},
			{name: "etc/php-fpm.conf.default", kind: 'f', size: 5_400},
			{name: "etc/php-fpm.d/www.conf.default", kind: 'f', size: 21_000},
			{name: "include/php/main/php.h", kind: 'f', size: 13_000},
			{name: "lib/php/build/phpize.m4", kind: 'f', size: 5_500},
			{name: "lib/php/extensions/no-debug-non-zts-20230831/opcache.so", kind: 'x', size: 1_900_000},
		}
	case "ruby":
		return []tfile{
			{name: "bin/ruby", kind: 'x', size: 16_000},
			{name: "bin/gem", kind: 'x', text: "#!/usr/local/bin/ruby\n# gem: teaching copy\n"},
			{name: "bin/bundle", kind: 'x', text: "#!/usr/local/bin/ruby\n# bundle: teaching copy\n"},
			{name: "bin/bundler", kind: 'x', text: "#!/usr/local/bin/ruby\n# bundler: teaching copy\n"},
			{name: "bin/irb", kind: 'x', text: "#!/usr/local/bin/ruby\n# irb: teaching copy\n"},
			{name: "bin/erb", kind: 'x', text: "#!/usr/local/bin/ruby\n# erb: teaching copy\n"},
			{name: "bin/rake", kind: 'x', text: "#!/usr/local/bin/ruby\n# rake: teaching copy\n"},
			{name: "lib/libruby.so." + mm, kind: 'x', size: 17_000_000},
			{name: "lib/ruby/" + mm + ".0/the-standard-library.rb", kind: 'f', size: 21_000_000},
			{name: "include/ruby-" + mm + ".0/ruby.h", kind: 'f', size: 1_200},
		}
	case "haproxy":
		return []tfile{{name: "sbin/haproxy", kind: 'x', size: 9_700_000}, {name: "doc/haproxy/configuration.txt", kind: 'f', size: 1_100_000}}
	case "postgresql":
		return []tfile{
			{name: "bin/postgres", kind: 'x', size: 9_800_000},
			{name: "bin/psql", kind: 'x', size: 880_000},
			{name: "bin/initdb", kind: 'x', size: 180_000},
			{name: "bin/pg_ctl", kind: 'x', size: 80_000},
			{name: "bin/pg_dump", kind: 'x', size: 460_000},
			{name: "lib/libpq.so.5", kind: 'x', size: 340_000},
			{name: "share/postgresql.conf.sample", kind: 'f', text: "#listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;\n#port = 5432\n"},
			{name: "share/timezonesets/Default", kind: 'f', size: 30_000},
			{name: "include/libpq-fe.h", kind: 'f', size: 28_000},
		}
	case "nginx":
		return []tfile{{name: "sbin/nginx", kind: 'x', size: 1_400_000}, {name: "conf/nginx.conf", kind: 'f', size: 2_656}, {name: "html/index.html", kind: 'f', size: 615}}
	}
	if project == "" {
		return nil
	}
	return []tfile{{name: "bin/" + project, kind: 'x', size: 1_000_000}}
}

// sourceExtras are source files official Dockerfiles edit before building.
func sourceExtras(project string) []tfile {
	switch project {
	case "redis":
		return []tfile{
			{name: "redis.conf", kind: 'f', text: "bind 127.0.0.1 -::1\nprotected-mode yes\nport 6379\n"},
			{name: "src/config.c", kind: 'f', text: "    createBoolConfig(\"protected-mode\", NULL, MODIFIABLE_CONFIG, server.protected_mode, 1, NULL, NULL),\n"},
		}
	case "httpd":
		return []tfile{{name: "docs/conf/httpd.conf.in", kind: 'f', text: httpdConf}}
	}
	return nil
}

const httpdConf = `ServerRoot "/usr/local/apache2"
Listen 80
LoadModule mpm_event_module modules/mod_mpm_event.so
#LoadModule rewrite_module modules/mod_rewrite.so
LoadModule headers_module modules/mod_headers.so
ServerAdmin you@example.com
DocumentRoot "/usr/local/apache2/htdocs"
ErrorLog logs/error_log
CustomLog logs/access_log common
`

// nodeTree is the layout of a Node.js binary tarball.
func nodeTree(version string) []tfile {
	return []tfile{
		{name: "bin/node", kind: 'x', size: 96_000_000},
		{name: "bin/npm", kind: 'l', text: "../lib/node_modules/npm/bin/npm-cli.js"},
		{name: "bin/npx", kind: 'l', text: "../lib/node_modules/npm/bin/npx-cli.js"},
		{name: "bin/corepack", kind: 'l', text: "../lib/node_modules/corepack/dist/corepack.js"},
		{name: "lib/node_modules/npm/bin/npm-cli.js", kind: 'x', text: "#!/usr/bin/env node\nrequire('../lib/cli.js')(process)\n"},
		{name: "lib/node_modules/npm/bin/npx-cli.js", kind: 'x', text: "#!/usr/bin/env node\n// npx: teaching copy\n"},
		{name: "lib/node_modules/npm/package.json", kind: 'f', text: "{\"name\": \"npm\"}\n"},
		{name: "lib/node_modules/npm/the-rest-of-npm.js", kind: 'f', size: 9_800_000},
		{name: "lib/node_modules/corepack/dist/corepack.js", kind: 'x', text: "#!/usr/bin/env node\n// corepack: teaching copy\n"},
		{name: "lib/node_modules/corepack/the-rest-of-corepack.js", kind: 'f', size: 1_200_000},
		{name: "include/node/node.h", kind: 'f', size: 62_000},
		{name: "include/node/the-rest-of-the-headers.h", kind: 'f', size: 60_000_000},
		{name: "share/doc/node/gdbinit", kind: 'f', size: 2_800},
		{name: "share/man/man1/node.1", kind: 'f', size: 21_000},
		{name: "CHANGELOG.md", kind: 'f', size: 330_000},
		{name: "LICENSE", kind: 'f', size: 115_000},
		{name: "README.md", kind: 'f', text: "Node.js " + version + " (teaching copy)\n"},
	}
}

// goTree is the layout of a Go release tarball.
func goTree(version string) []tfile {
	return []tfile{
		{name: "VERSION", kind: 'f', text: "go" + version + "\ntime 2024-09-04T16:14:18Z\n"},
		{name: "bin/go", kind: 'x', size: 14_000_000},
		{name: "bin/gofmt", kind: 'x', size: 3_000_000},
		{name: "pkg/tool/linux_amd64/compile", kind: 'x', size: 21_000_000},
		{name: "pkg/tool/linux_amd64/link", kind: 'x', size: 7_000_000},
		{name: "pkg/tool/linux_amd64/the-other-tools", kind: 'x', size: 40_000_000},
		{name: "src/runtime/runtime.go", kind: 'f', size: 9_000},
		{name: "src/the-rest-of-the-standard-library.go", kind: 'f', size: 110_000_000},
		{name: "lib/time/zoneinfo.zip", kind: 'f', size: 400_000},
		{name: "misc/README.md", kind: 'f', size: 300},
		{name: "api/go1.txt", kind: 'f', size: 1_900_000},
		{name: "test/README.md", kind: 'f', size: 500},
	}
}
