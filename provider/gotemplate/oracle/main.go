// The Go oracle for the conformance tests: reads one JSON request per line on stdin,
// executes it with Go's text/template (and Sprig when asked), prints one JSON line per request:
// {"output": "..."} or {"error": "..."}.
//
// Build (GOPATH mode, Debian's packages):
//   GO111MODULE=off GOPATH=/usr/share/gocode go build -o OUT provider/gotemplate/oracle/main.go
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
)

type source struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type request struct {
	Templates  []source    `json:"templates"`
	Entry      string      `json:"entry"`
	Data       interface{} `json:"data"`
	Sprig      bool        `json:"sprig"`
	MissingKey string      `json:"missingkey"`
	Left       string      `json:"left"`
	Right      string      `json:"right"`
}

type response struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func run(req request) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	root := template.New("")
	if req.Sprig {
		root = root.Funcs(sprig.TxtFuncMap())
	}
	if req.MissingKey != "" {
		root = root.Option("missingkey=" + req.MissingKey)
	}
	root = root.Delims(req.Left, req.Right)
	for _, s := range req.Templates {
		if _, err := root.New(s.Name).Parse(s.Text); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	if err := root.ExecuteTemplate(&b, req.Entry, req.Data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var req request
		var resp response
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			msg := "bad request: " + err.Error()
			resp.Error = &msg
		} else if out, err := run(req); err != nil {
			msg := err.Error()
			resp.Error = &msg
		} else {
			resp.Output = &out
		}
		enc.Encode(resp)
		w.Flush()
	}
}
