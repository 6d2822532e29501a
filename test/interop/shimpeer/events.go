package main

import (
	"context"
	"net"
	"os"
	"time"

	eventsapi "github.com/containerd/containerd/api/services/ttrpc/events/v1"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/ttrpc"
	"github.com/containerd/typeurl"
	ptypes "github.com/gogo/protobuf/types"

	// Registers containerd.events.* with typeurl so UnmarshalAny can decode them.
	_ "github.com/containerd/containerd/api/events"
)

type received struct {
	Topic      string      `json:"topic"`
	Namespace  string      `json:"namespace"`
	CtxNS      string      `json:"ctxNamespace"`
	Timestamp  string      `json:"timestamp"`
	TypeURL    string      `json:"typeUrl"`
	Event      interface{} `json:"event"`
	DecodeFail string      `json:"decodeError,omitempty"`
}

type forwarder struct{ got chan received }

func (f *forwarder) Forward(ctx context.Context, req *eventsapi.ForwardRequest) (*ptypes.Empty, error) {
	env := req.Envelope
	r := received{Topic: env.Topic, Namespace: env.Namespace, Timestamp: env.Timestamp.UTC().Format(time.RFC3339Nano)}
	r.CtxNS, _ = namespaces.Namespace(ctx)
	if env.Event != nil {
		r.TypeURL = env.Event.TypeUrl
		if v, err := typeurl.UnmarshalAny(env.Event); err != nil {
			r.DecodeFail = err.Error()
		} else {
			r.Event = v
		}
	}
	f.got <- r
	return &ptypes.Empty{}, nil
}

// serveEvents is containerd's events endpoint at TTRPC_ADDRESS: it prints
// "ready" once listening, then each forwarded envelope, and exits after n.
func serveEvents(socket string, n int) error {
	os.Remove(socket)
	l, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	server, err := ttrpc.NewServer()
	if err != nil {
		return err
	}
	f := &forwarder{got: make(chan received, n)}
	eventsapi.RegisterEventsService(server, f)
	go server.Serve(context.Background(), l)
	if err := printJSON("ready"); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := printJSON(<-f.got); err != nil {
			return err
		}
	}
	return server.Shutdown(context.Background())
}
