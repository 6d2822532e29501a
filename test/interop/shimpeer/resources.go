package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net"
	"time"

	v1 "github.com/containerd/cgroups/stats/v1"
	v2 "github.com/containerd/cgroups/v2/stats"
	tasks "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/namespaces"
	_ "github.com/containerd/containerd/runtime" // typeurl's names for the OCI spec types
	"github.com/containerd/typeurl"
	"github.com/gogo/protobuf/proto"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/grpc"
)

// runUpdate asks containerd (its gRPC socket) to update a task's resources,
// as `ctr task update` (1.7) and nerdctl update do: containerd packs the
// LinuxResources with typeurl and calls the shim's Update. Debian's ctr 1.6
// has no update command.
func runUpdate(address, namespace, id, resources string) error {
	var r specs.LinuxResources
	if err := json.Unmarshal([]byte(resources), &r); err != nil {
		return err
	}
	packed, err := typeurl.MarshalAny(&r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(namespaces.WithNamespace(context.Background(), namespace), 20*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, "passthrough:///"+address, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", address)
		}))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = tasks.NewTasksClient(conn).Update(ctx, &tasks.UpdateTaskRequest{ContainerID: id, Resources: packed})
	return printJSON(map[string]interface{}{"error": describe(err)})
}

// The metrics the shim's Stats must encode byte for byte as containerd's
// cgroups packages do, and the Any containerd sends in Update; the same
// values are typed again in test/unit/shim/metricsGolden.test.ts.
func printMetricsGolden() error {
	updateAny, err := typeurl.MarshalAny(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: int64ptr(67108864)}, Pids: &specs.LinuxPids{Limit: 32}})
	if err != nil {
		return err
	}
	msgs := map[string]proto.Message{
		"MetricsV2": &v2.Metrics{
			Pids:   &v2.PidsStat{Current: 3, Limit: 32},
			CPU:    &v2.CPUStat{UsageUsec: 5000123, UserUsec: 4000000, SystemUsec: 1000000, NrPeriods: 10, NrThrottled: 2, ThrottledUsec: 7000},
			Memory: &v2.MemoryStat{Anon: 1048576, File: 4096, Pgfault: 321, Pgmajfault: 2, ThpCollapseAlloc: 5, Usage: 8388608, UsageLimit: 67108864, SwapUsage: 12288, SwapLimit: 134217728},
			Io: &v2.IOStat{Usage: []*v2.IOEntry{
				{Major: 8, Minor: 0, Rbytes: 4096, Wbytes: 8192, Rios: 1, Wios: 2},
				{Major: 253, Minor: 1, Wbytes: 512, Wios: 1},
			}},
		},
		"MetricsV1": &v1.Metrics{
			Pids: &v1.PidsStat{Current: 3, Limit: 32},
			CPU: &v1.CPUStat{
				Usage:      &v1.CPUUsage{Total: 5000123000, Kernel: 1000000000, User: 4000000000, PerCPU: []uint64{3000000000, 2000123000}},
				Throttling: &v1.Throttle{Periods: 10, ThrottledPeriods: 2, ThrottledTime: 7000000},
			},
			Memory: &v1.MemoryStat{Cache: 4096, RSS: 777, PgPgIn: 9, HierarchicalSwapLimit: 11, TotalCache: 4096, TotalUnevictable: 13,
				Usage:     &v1.MemoryEntry{Limit: 9223372036854771712, Usage: 8388608, Max: 9000000, Failcnt: 1},
				Swap:      &v1.MemoryEntry{Limit: 134217728, Usage: 12288},
				Kernel:    &v1.MemoryEntry{},
				KernelTCP: &v1.MemoryEntry{},
			},
			Blkio: &v1.BlkIOStat{
				IoServiceBytesRecursive: []*v1.BlkIOEntry{{Op: "Read", Major: 8, Value: 4096}, {Op: "Write", Major: 8, Value: 8192}},
				IoServicedRecursive:     []*v1.BlkIOEntry{{Op: "Read", Major: 8, Value: 1}},
			},
		},
		"UpdateAny": updateAny,
	}
	out := map[string]string{}
	for name, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		out[name] = hex.EncodeToString(b)
	}
	v1Any, err := typeurl.MarshalAny(msgs["MetricsV1"])
	if err != nil {
		return err
	}
	v2Any, err := typeurl.MarshalAny(msgs["MetricsV2"])
	if err != nil {
		return err
	}
	out["MetricsV1TypeURL"] = v1Any.TypeUrl
	out["MetricsV2TypeURL"] = v2Any.TypeUrl
	return printJSON(out)
}

func int64ptr(v int64) *int64 { return &v }
