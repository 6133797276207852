// The YAML oracle for circleci-helm's conformance tests: go-yaml v2.4 (Debian's
// golang-gopkg-yaml.v2-dev, the code sigs.k8s.io/yaml v1.4 vendors) with sigs.k8s.io/yaml's
// JSON steps written out here, since that module is not packaged; toToml through Debian's
// BurntSushi/toml (v1.2, which encodes maps as Helm's v1.3 does).
//
// One JSON request per line on stdin, one JSON line per request on stdout:
//   {"op":"parse","text":Y}   Unmarshal(Y, &interface{})       -> {"output": JSON of the value}
//   {"op":"values","text":Y}  Unmarshal(Y, &map[string]interface{}) named chartutil.Values
//   {"op":"array","text":Y}   Unmarshal(Y, &[]interface{})     (fromYamlArray)
//   {"op":"toyaml","json":J}  Marshal(json.Unmarshal(J))       -> {"output": YAML}
//   {"op":"roundtrip","text":Y} Marshal(Unmarshal(Y))          (toYaml of a values file)
//   {"op":"totoml","json":J}  BurntSushi/toml Encode(json.Unmarshal(J))  (toToml)
// Errors: {"error": message, "goyaml": go-yaml's own error when that step failed}.
//
// Build (GOPATH mode): GO111MODULE=off GOPATH=/usr/share/gocode go build -o OUT main.go
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strconv"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v2"
)

// Values mirrors chartutil.Values so that error messages name the same type.
type Values map[string]interface{}

type request struct {
	Op   string `json:"op"`
	Text string `json:"text"`
	JSON string `json:"json"`
}

type response struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
	GoYAML *string `json:"goyaml,omitempty"`
}

// jsonable turns go-yaml's map[interface{}]interface{} into JSON-encodable maps, naming keys
// as sigs.k8s.io/yaml does (ints in decimal, floats as float32 'g', bools as true/false).
func jsonable(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			var ks string
			switch kt := k.(type) {
			case string:
				ks = kt
			case int:
				ks = strconv.Itoa(kt)
			case int64:
				ks = strconv.FormatInt(kt, 10)
			case float64:
				ks = strconv.FormatFloat(kt, 'g', -1, 32)
				switch ks {
				case "+Inf":
					ks = ".inf"
				case "-Inf":
					ks = "-.inf"
				case "NaN":
					ks = ".nan"
				}
			case bool:
				ks = strconv.FormatBool(kt)
			default:
				// sigs.k8s.io/yaml's wording.
				return nil, fmt.Errorf("unsupported map key of type: %s, key: %+#v, value: %+#v",
					reflect.TypeOf(k), k, val)
			}
			c, err := jsonable(val)
			if err != nil {
				return nil, err
			}
			m[ks] = c
		}
		return m, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

type stepError struct {
	msg    string
	goyaml string
}

func (e *stepError) Error() string { return e.msg }

// unmarshal is sigs.k8s.io/yaml's Unmarshal for a target without struct fields.
func unmarshal(y []byte, target interface{}) error {
	var obj interface{}
	if err := yaml.Unmarshal(y, &obj); err != nil {
		return &stepError{"error converting YAML to JSON: " + err.Error(), err.Error()}
	}
	j, err := jsonable(obj)
	if err != nil {
		return &stepError{"error converting YAML to JSON: " + err.Error(), ""}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return &stepError{"error converting YAML to JSON: " + err.Error(), ""}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(target); err != nil {
		return &stepError{"error unmarshaling JSON: while decoding JSON: " + err.Error(), ""}
	}
	return nil
}

// marshal is sigs.k8s.io/yaml's Marshal: JSON, read back by go-yaml, written by go-yaml.
func marshal(v interface{}) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("error marshaling into JSON: %v", err)
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return "", err
	}
	out, err := yaml.Marshal(obj)
	return string(out), err
}

// tagFloats writes each float64 as {"$float": shortest 'g' text}, so that the reader's JSON
// float parsing cannot blur the comparison.
func tagFloats(v interface{}) interface{} {
	switch t := v.(type) {
	case float64:
		return map[string]string{"$float": strconv.FormatFloat(t, 'g', -1, 64)}
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, e := range t {
			m[k] = tagFloats(e)
		}
		return m
	case Values:
		return tagFloats(map[string]interface{}(t))
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, e := range t {
			out[i] = tagFloats(e)
		}
		return out
	}
	return v
}

func run(req request) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	var v interface{}
	switch req.Op {
	case "parse":
		var x interface{}
		err = unmarshal([]byte(req.Text), &x)
		v = x
	case "values":
		// chartutil.ReadValues: an empty result is an empty map.
		x := Values{}
		err = unmarshal([]byte(req.Text), &x)
		if len(x) == 0 {
			x = Values{}
		}
		v = x
	case "array":
		// fromYamlArray; a nil slice (from null) is encoded as [], the Value it stands for.
		x := []interface{}{}
		err = unmarshal([]byte(req.Text), &x)
		if x == nil {
			x = []interface{}{}
		}
		v = x
	case "roundtrip":
		var x interface{}
		if err = unmarshal([]byte(req.Text), &x); err != nil {
			return "", err
		}
		return marshal(x)
	case "totoml":
		var x interface{}
		if err = json.Unmarshal([]byte(req.JSON), &x); err != nil {
			return "", fmt.Errorf("bad request json: %v", err)
		}
		var b bytes.Buffer
		if err := toml.NewEncoder(&b).Encode(x); err != nil {
			return "", err
		}
		return b.String(), nil
	case "toyaml":
		var x interface{}
		if err = json.Unmarshal([]byte(req.JSON), &x); err != nil {
			return "", fmt.Errorf("bad request json: %v", err)
		}
		return marshal(x)
	default:
		return "", fmt.Errorf("unknown op %q", req.Op)
	}
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tagFloats(v)); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
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
			if se, ok := err.(*stepError); ok && se.goyaml != "" {
				g := se.goyaml
				resp.GoYAML = &g
			}
		} else {
			resp.Output = &out
		}
		if err := enc.Encode(resp); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		w.Flush()
	}
}
