package main

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/runtime/v2/task"
	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/status"
)

type callError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	// The errdefs class containerd's runtime sees after errdefs.FromGRPC.
	NotFound       bool   `json:"notFound"`
	NotImplemented bool   `json:"notImplemented"`
	Containerd     string `json:"containerd"`
}

func describe(err error) *callError {
	if err == nil {
		return nil
	}
	st, _ := status.FromError(err)
	e := errdefs.FromGRPC(err)
	return &callError{Code: int(st.Code()), Message: st.Message(), NotFound: errdefs.IsNotFound(e), NotImplemented: errdefs.IsNotImplemented(e), Containerd: e.Error()}
}

// runClient drives a Task service the way containerd 1.6's runtime does:
// task.NewTaskClient over ttrpc, namespace in the context, a deadline per call.
func runClient(socket string) error {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	tc := task.NewTaskClient(client)
	base := namespaces.WithNamespace(context.Background(), "interop")
	ctx, cancel := context.WithTimeout(base, 20*time.Second)
	defer cancel()
	out := map[string]interface{}{}

	created, err := tc.Create(ctx, &task.CreateTaskRequest{ID: "c1", Bundle: "/b/c1", Rootfs: mounts, Stdout: "/fifo/out", Options: opts})
	out["create"], out["createErr"] = created, describe(err)
	st, err := tc.State(ctx, &task.StateRequest{ID: "c1", ExecID: "e1"})
	out["state"], out["stateErr"] = st, describe(err)

	// Wait blocks until Kill: State on the same connection must answer meanwhile.
	type waitResult struct {
		resp *task.WaitResponse
		err  error
		at   time.Time
	}
	waited := make(chan waitResult, 1)
	go func() {
		r, err := tc.Wait(ctx, &task.WaitRequest{ID: "c1"})
		waited <- waitResult{r, err, time.Now()}
	}()
	time.Sleep(300 * time.Millisecond)
	_, stateErr := tc.State(ctx, &task.StateRequest{ID: "c1"})
	stateAnswered := stateErr == nil
	select {
	case <-waited:
		out["waitReturnedEarly"] = true
	default:
		out["waitReturnedEarly"] = false
	}
	killedAt := time.Now()
	_, err = tc.Kill(ctx, &task.KillRequest{ID: "c1", Signal: 9})
	out["killErr"] = describe(err)
	select {
	case w := <-waited:
		out["wait"], out["waitErr"] = w.resp, describe(w.err)
		out["waitEndedAfterKill"] = !w.at.Before(killedAt)
	case <-time.After(10 * time.Second):
		out["wait"] = "no answer 10 s after Kill"
	}
	out["stateWhileWaiting"] = stateAnswered

	_, err = tc.State(ctx, &task.StateRequest{ID: "missing"})
	out["notFound"] = describe(err)
	_, err = tc.Checkpoint(ctx, &task.CheckpointTaskRequest{ID: "c1"})
	out["checkpoint"] = describe(err)
	err = client.Call(ctx, "containerd.task.v2.Task", "Frobnicate", &task.StateRequest{ID: "c1"}, &task.StateResponse{})
	out["unknownMethod"] = describe(err)
	err = client.Call(ctx, "containerd.task.v9.Task", "State", &task.StateRequest{ID: "c1"}, &task.StateResponse{})
	out["unknownService"] = describe(err)
	var v3 task.StateResponse
	err = client.Call(ctx, "containerd.task.v3.Task", "State", &task.StateRequest{ID: "c1"}, &v3)
	out["v3State"], out["v3StateErr"] = &v3, describe(err)

	// A request past 4 MiB is answered with an error; the connection stays usable.
	_, err = tc.Create(ctx, &task.CreateTaskRequest{ID: "big", Bundle: strings.Repeat("x", 5<<20)})
	out["oversizedRequest"] = describe(err)
	_, err = tc.State(ctx, &task.StateRequest{ID: "c1"})
	out["stateAfterOversized"] = describe(err) == nil
	_, err = tc.State(ctx, &task.StateRequest{ID: "huge"})
	out["oversizedResponse"] = describe(err)

	conn2, err := tc.Connect(ctx, &task.ConnectRequest{ID: "c1"})
	out["connect"], out["connectErr"] = conn2, describe(err)
	return printJSON(out)
}
