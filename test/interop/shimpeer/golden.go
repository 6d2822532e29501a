package main

import (
	"encoding/hex"
	"time"

	"github.com/containerd/containerd/api/events"
	eventsapi "github.com/containerd/containerd/api/services/ttrpc/events/v1"
	"github.com/containerd/containerd/api/types"
	tasktypes "github.com/containerd/containerd/api/types/task"
	runtimeoptions "github.com/containerd/containerd/pkg/runtimeoptions/v1"
	runcoptions "github.com/containerd/containerd/runtime/v2/runc/options"
	"github.com/containerd/containerd/runtime/v2/task"
	"github.com/containerd/ttrpc"
	"github.com/containerd/typeurl"
	"github.com/gogo/protobuf/proto"
	ptypes "github.com/gogo/protobuf/types"
	spb "google.golang.org/genproto/googleapis/rpc/status"
)

// The same values are written out in test/unit/shim/golden.test.ts; each side
// is typed independently so a wrong field number on either side shows up.
var (
	exitedAt = time.Unix(1700000000, 123456789).UTC()
	mounts   = []*types.Mount{
		{Type: "overlay", Source: "overlay", Options: []string{"lowerdir=/l1:/l2", "upperdir=/u", "workdir=/w"}},
		{Type: "bind", Source: "/src", Target: "/dst", Options: []string{"rbind", "ro"}},
	}
	opts = &ptypes.Any{TypeUrl: "runtimeoptions.v1.Options", Value: []byte{0x0a, 0x03, 'a', 'b', 'c'}}
	spec = &ptypes.Any{TypeUrl: "types.containerd.io/opencontainers/runtime-spec/1/Process", Value: []byte(`{"args":["sh"],"cwd":"/"}`)}
)

func goldenMessages() (map[string]proto.Message, error) {
	exitAny, err := typeurl.MarshalAny(&events.TaskExit{ContainerID: "c1", ID: "c1", Pid: 4321, ExitStatus: 137, ExitedAt: exitedAt})
	if err != nil {
		return nil, err
	}
	return map[string]proto.Message{
		"StateRequest":          &task.StateRequest{ID: "c1", ExecID: "e1"},
		"StateResponse":         &task.StateResponse{ID: "c1", Bundle: "/run/bündle/c1", Pid: 4321, Status: tasktypes.StatusStopped, Stdin: "/fifo/in", Stdout: "/fifo/out", Stderr: "/fifo/err", Terminal: true, ExitStatus: 137, ExitedAt: exitedAt, ExecID: "e1"},
		"StateResponseZero":     &task.StateResponse{ID: "c1", Pid: 7, Status: tasktypes.StatusRunning},
		"CreateTaskRequest":     &task.CreateTaskRequest{ID: "c1", Bundle: "/b/c1", Rootfs: mounts, Terminal: true, Stdin: "/fifo/in", Stdout: "/fifo/out", Stderr: "/fifo/err", Checkpoint: "/ck", ParentCheckpoint: "/pck", Options: opts},
		"CreateTaskResponse":    &task.CreateTaskResponse{Pid: 300000},
		"DeleteResponse":        &task.DeleteResponse{Pid: 4321, ExitStatus: 2, ExitedAt: exitedAt},
		"PidsResponse":          &task.PidsResponse{Processes: []*tasktypes.ProcessInfo{{Pid: 1}, {Pid: 99, Info: opts}}},
		"KillRequest":           &task.KillRequest{ID: "c1", ExecID: "e1", Signal: 9, All: true},
		"ExecProcessRequest":    &task.ExecProcessRequest{ID: "c1", ExecID: "e1", Terminal: true, Stdin: "/i", Stdout: "/o", Stderr: "/e", Spec: spec},
		"ResizePtyRequest":      &task.ResizePtyRequest{ID: "c1", ExecID: "e1", Width: 132, Height: 43},
		"CloseIORequest":        &task.CloseIORequest{ID: "c1", ExecID: "e1", Stdin: true},
		"UpdateTaskRequest":     &task.UpdateTaskRequest{ID: "c1", Resources: spec, Annotations: map[string]string{"k": "v"}},
		"WaitResponse":          &task.WaitResponse{ExitStatus: 143, ExitedAt: exitedAt},
		"StatsResponse":         &task.StatsResponse{Stats: opts},
		"ConnectResponse":       &task.ConnectResponse{ShimPid: 100, TaskPid: 200, Version: "v2"},
		"ShutdownRequest":       &task.ShutdownRequest{ID: "c1", Now: true},
		"CheckpointTaskRequest": &task.CheckpointTaskRequest{ID: "c1", Path: "/ck", Options: opts},
		"PauseRequest":          &task.PauseRequest{ID: "c1"},
		"Empty":                 &ptypes.Empty{},
		"TaskCreate": &events.TaskCreate{ContainerID: "c1", Bundle: "/b/c1", Rootfs: mounts,
			IO: &events.TaskIO{Stdin: "/i", Stdout: "/o", Stderr: "/e", Terminal: true}, Checkpoint: "/ck", Pid: 4321},
		"TaskStart":        &events.TaskStart{ContainerID: "c1", Pid: 4321},
		"TaskExit":         &events.TaskExit{ContainerID: "c1", ID: "c1", Pid: 4321, ExitStatus: 137, ExitedAt: exitedAt},
		"TaskDelete":       &events.TaskDelete{ContainerID: "c1", Pid: 4321, ExitStatus: 137, ExitedAt: exitedAt, ID: "e1"},
		"TaskExecAdded":    &events.TaskExecAdded{ContainerID: "c1", ExecID: "e1"},
		"TaskExecStarted":  &events.TaskExecStarted{ContainerID: "c1", ExecID: "e1", Pid: 77},
		"TaskPaused":       &events.TaskPaused{ContainerID: "c1"},
		"TaskResumed":      &events.TaskResumed{ContainerID: "c1"},
		"TaskOOM":          &events.TaskOOM{ContainerID: "c1"},
		"TaskCheckpointed": &events.TaskCheckpointed{ContainerID: "c1", Checkpoint: "/ck"},
		"ForwardRequest": &eventsapi.ForwardRequest{Envelope: &eventsapi.Envelope{
			Timestamp: exitedAt, Namespace: "default", Topic: "/tasks/exit", Event: exitAny}},
		"Request": &ttrpc.Request{Service: "containerd.task.v2.Task", Method: "State", Payload: []byte{0x0a, 0x02, 'c', '1'},
			TimeoutNano: 10_000_000_000, Metadata: []*ttrpc.KeyValue{{Key: "containerd-namespace-ttrpc", Value: "default"}, {Key: "k", Value: "v"}}},
		"ResponseError":  &ttrpc.Response{Status: &spb.Status{Code: 5, Message: "container c1: not found"}},
		"ResponseOK":     &ttrpc.Response{Status: &spb.Status{}, Payload: []byte{0x08, 0x01}},
		"RuntimeOptions": &runtimeoptions.Options{TypeUrl: "io.containerd.runj.v1.options", ConfigPath: "/etc/runj.toml"},
		"RuncOptions": &runcoptions.Options{NoPivotRoot: true, NoNewKeyring: true, ShimCgroup: "/shim", IoUid: 1000, IoGid: 1001,
			BinaryName: "runj", Root: "/run/runj", CriuPath: "/criu", SystemdCgroup: true, CriuImagePath: "/img", CriuWorkPath: "/work"},
		"ProcessDetails": &runcoptions.ProcessDetails{ExecID: "e1"},
		"Platform":       &types.Platform{OS: "freebsd", Architecture: "amd64", Variant: "v3"},
	}, nil
}

func printGolden() error {
	msgs, err := goldenMessages()
	if err != nil {
		return err
	}
	out := map[string]string{}
	for name, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		out[name] = hex.EncodeToString(b)
	}
	return printJSON(out)
}
