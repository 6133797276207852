// The Go oracle for the conformance tests: reads one JSON request per line on stdin,
// executes it with Go's text/template (and Sprig when asked), prints one JSON line per request:
// {"output": "..."} or {"error": "..."}.
//
// Build (GOPATH mode, Debian's packages):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o OUT provider/gotemplate/oracle/main.go
package main

import (
	"bufio"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"text/template"
	"time"

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
		root = root.Funcs(template.FuncMap{"oracleX509": inspectX509, "oracleKey": inspectKey})
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

// oracleX509 and oracleKey (with sprig only): what Go's crypto/x509 reads from PEM text, as
// JSON, for tests of other implementations of Sprig's certificate functions. Values that
// differ between runs (serial, keys, times) are reduced to properties.

func keyInfo(k interface{}) string {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *rsa.PrivateKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA-" + k.Curve.Params().Name
	case *ecdsa.PrivateKey:
		return "ECDSA-" + k.Curve.Params().Name
	case ed25519.PublicKey, ed25519.PrivateKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", k)
}

func parseKey(text string) (string, crypto.Signer, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return "", nil, fmt.Errorf("no PEM")
	}
	var k interface{}
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return block.Type, nil, fmt.Errorf("PEM type %s", block.Type)
	}
	if err != nil {
		return block.Type, nil, err
	}
	if r, ok := k.(*rsa.PrivateKey); ok {
		if err := r.Validate(); err != nil {
			return block.Type, nil, err
		}
	}
	return block.Type, k.(crypto.Signer), nil
}

func inspectKey(text string) (string, error) {
	typ, k, err := parseKey(text)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]interface{}{"pemType": typ, "key": keyInfo(k)})
	return string(b), err
}

func parseCert(text string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("no CERTIFICATE PEM")
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("text after the PEM block: %q", rest)
	}
	return x509.ParseCertificate(block.Bytes)
}

// inspectX509 reads a certificate, its key and (if not "") the issuer's certificate.
func inspectX509(certPEM, keyPEM, caPEM string) (string, error) {
	c, err := parseCert(certPEM)
	if err != nil {
		return "", err
	}
	keyType, key, err := parseKey(keyPEM)
	if err != nil {
		return "", err
	}
	parent := c
	if caPEM != "" {
		if parent, err = parseCert(caPEM); err != nil {
			return "", err
		}
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String()+"/"+fmt.Sprint(len(ip)))
	}
	var exts []string
	for _, e := range c.Extensions {
		exts = append(exts, fmt.Sprintf("%v/%v", e.Id, e.Critical))
	}
	sigErr := "ok"
	// The signature alone: CheckSignatureFrom also wants the parent to be a CA.
	if err := parent.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		sigErr = err.Error()
	}
	pub, _ := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	age := time.Since(c.NotBefore)
	info := map[string]interface{}{
		"version":          c.Version,
		"signatureAlg":     c.SignatureAlgorithm.String(),
		"subject":          hex.EncodeToString(c.RawSubject),
		"subjectCN":        c.Subject.CommonName,
		"issuer":           hex.EncodeToString(c.RawIssuer),
		"issuerIsParent":   string(c.RawIssuer) == string(parent.RawSubject),
		"isCA":             c.IsCA,
		"basicConstraints": c.BasicConstraintsValid,
		"maxPathLen":       c.MaxPathLen,
		"keyUsage":         int(c.KeyUsage),
		"extKeyUsage":      c.ExtKeyUsage,
		"dnsNames":         c.DNSNames,
		"ips":              ips,
		"extensions":       exts,
		"subjectKeyId":     len(c.SubjectKeyId),
		"authorityKeyId":   hex.EncodeToString(c.AuthorityKeyId) == hex.EncodeToString(parent.SubjectKeyId) && len(c.AuthorityKeyId) > 0,
		"serialBits":       c.SerialNumber.BitLen() <= 128 && c.SerialNumber.Sign() >= 0,
		"validityMinutes":  c.NotAfter.Sub(c.NotBefore).Round(time.Minute).Minutes(),
		"fresh":            age >= -time.Second && age < 2*time.Minute,
		"secondsOnly":      c.NotBefore.Nanosecond() == 0,
		"publicKey":        keyInfo(c.PublicKey),
		"signature":        sigErr,
		"keyPEM":           keyType,
		"key":              keyInfo(key),
		"keyMatches":       pub != nil && pub.Equal(key.Public()),
	}
	b, err := json.Marshal(info)
	return string(b), err
}
