package web

import (
	"io/fs"
	"strings"
)

// appDir is the embedded directory of the reference web app: index.html,
// its style, icon and ES modules (README.md beside this file describes
// them).
const appDir = "static/app"

// AppPrefix is the path under which the app's assets are served.
const AppPrefix = "/assets/app/"

// App are the paths of the reference web app: its single page at / (the
// screens are routed in the URL fragment, #/login, #/sessions...) and
// every other file of static/app under AppPrefix, so that a new module
// needs no Go change.
var App = appRoutes()

func appRoutes() map[string]string {
	routes := map[string]string{"/": appDir + "/index.html"}
	err := fs.WalkDir(static, appDir, func(file string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel := strings.TrimPrefix(file, appDir+"/"); rel != "index.html" {
			routes[AppPrefix+rel] = file
		}
		return nil
	})
	if err != nil {
		panic("web: " + err.Error()) // the embedded directory is missing: a bug
	}
	return routes
}
