// shimpeer plays containerd's side of the shim protocol with containerd's own
// Go packages (Debian's golang-github-containerd-containerd-dev 1.6 and
// golang-github-containerd-ttrpc-dev), for the interop tests of src/shim:
//
//	shimpeer golden          print reference encodings of Task API, event and ttrpc messages (JSON)
//	shimpeer client SOCKET   call a Task service at SOCKET as containerd does and print what came back (JSON)
//	shimpeer events SOCKET N serve containerd's events Forward at SOCKET, print N envelopes (JSON lines), exit
//	shimpeer metrics-golden  print reference encodings of cgroup metrics and Update's resources Any (JSON)
//	shimpeer update ADDRESS NS ID JSON  ask containerd (gRPC at ADDRESS) to update a task's LinuxResources
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "golden":
		err = printGolden()
	case "client":
		if len(os.Args) != 3 {
			usage()
		}
		err = runClient(os.Args[2])
	case "events":
		if len(os.Args) != 4 {
			usage()
		}
		n, convErr := strconv.Atoi(os.Args[3])
		if convErr != nil {
			usage()
		}
		err = serveEvents(os.Args[2], n)
	case "metrics-golden":
		err = printMetricsGolden()
	case "update":
		if len(os.Args) != 6 {
			usage()
		}
		err = runUpdate(os.Args[2], os.Args[3], os.Args[4], os.Args[5])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shimpeer:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: shimpeer golden | client SOCKET | events SOCKET N | metrics-golden | update ADDRESS NS ID JSON")
	os.Exit(2)
}

func printJSON(v interface{}) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(b))
	return err
}
