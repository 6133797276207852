// Prints the names of sprig.TxtFuncMap(), one a line, for tests/names.rs.
package main

import (
	"fmt"
	"sort"

	"github.com/Masterminds/sprig"
)

func main() {
	var names []string
	for n := range sprig.TxtFuncMap() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
}
